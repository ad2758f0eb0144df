using System.Text.Json.Nodes;
using Takase.Engine.Generation;
using Takase.Engine.Templates;

namespace Takase.Server.Inference;

/// <summary>Requested output structure: Ollama's format "json" or a JSON schema; OpenAI's response_format.</summary>
public abstract record OutputFormat
{
    /// <summary>Any JSON object.</summary>
    public sealed record Json : OutputFormat;
    /// <summary>JSON that validates against <paramref name="Schema"/>.</summary>
    public sealed record JsonSchema(JsonNode Schema) : OutputFormat;
}

/// <summary>What both chat and completion requests share.</summary>
public abstract record InferenceCall
{
    /// <summary>Model name.</summary>
    public required string Model { get; init; }
    /// <summary>Sampling and length options.</summary>
    public GenerationOptions Options { get; init; } = new();
    /// <summary>num_ctx; null for the model's default.</summary>
    public int? ContextLength { get; init; }
    /// <summary>keep_alive; null for the server default.</summary>
    public TimeSpan? KeepAlive { get; init; }
    /// <summary>Constrain the output to JSON or a schema.</summary>
    public OutputFormat? Format { get; init; }
    /// <summary>-1 none, 0 chosen token only, n alternatives.</summary>
    public int TopLogprobs { get; init; } = -1;
    /// <summary>Drop the oldest conversation turns (chat) or tokens (completion) instead of failing when the
    /// prompt does not fit the context.</summary>
    public bool Truncate { get; init; }
}

/// <summary>A chat: messages rendered with the model's chat template.</summary>
public sealed record ChatCall : InferenceCall
{
    /// <summary>The conversation.</summary>
    public required IReadOnlyList<ChatMessage> Messages { get; init; }
    /// <summary>Tool definitions ({"type":"function","function":{...}}), or null.</summary>
    public IReadOnlyList<JsonNode>? Tools { get; init; }
    /// <summary>Ask thinking models to think (true), not to (false), or leave it to the model (null).</summary>
    public bool? Think { get; init; }
    /// <summary>The answer must be a call of one of <see cref="Tools"/> (tool_choice "required" or a named function).</summary>
    public bool RequireToolCall { get; init; }
}

/// <summary>A completion: a prompt, templated as one user turn unless raw.</summary>
public sealed record CompletionCall : InferenceCall
{
    /// <summary>The prompt text.</summary>
    public required string Prompt { get; init; }
    /// <summary>System prompt (templated mode).</summary>
    public string? System { get; init; }
    /// <summary>Send the prompt as is, without the template.</summary>
    public bool Raw { get; init; }
    /// <summary>Tokens of an earlier exchange to continue (Ollama's deprecated context field).</summary>
    public IReadOnlyList<int>? Context { get; init; }
    /// <summary>Ask thinking models to think or not.</summary>
    public bool? Think { get; init; }
}

/// <summary>Embeddings of one or more inputs.</summary>
public sealed record EmbedCall
{
    /// <summary>Model name.</summary>
    public required string Model { get; init; }
    /// <summary>Texts to embed.</summary>
    public required IReadOnlyList<string> Inputs { get; init; }
    /// <summary>Inputs already as token ids (OpenAI's token arrays), embedded as given; when set, Inputs is ignored.</summary>
    public IReadOnlyList<IReadOnlyList<int>>? TokenInputs { get; init; }
    /// <summary>Cut inputs longer than the context instead of failing.</summary>
    public bool Truncate { get; init; } = true;
    /// <summary>Keep the first n dimensions (Matryoshka-style), then re-normalise.</summary>
    public int? Dimensions { get; init; }
    /// <summary>L2-normalise the vectors (Ollama's /api/embed does; legacy /api/embeddings does not).</summary>
    public bool Normalize { get; init; } = true;
    /// <summary>keep_alive.</summary>
    public TimeSpan? KeepAlive { get; init; }
    /// <summary>num_ctx.</summary>
    public int? ContextLength { get; init; }
}

/// <summary>A function call the model made.</summary>
public sealed record ToolCall(string Id, string Name, JsonObject Arguments, int Index);

/// <summary>One streamed piece of an answer.</summary>
public sealed record InferenceChunk
{
    /// <summary>Answer text.</summary>
    public string Content { get; init; } = "";
    /// <summary>Reasoning text of thinking models.</summary>
    public string Thinking { get; init; } = "";
    /// <summary>Log-probabilities of the tokens this chunk came from, when asked for.</summary>
    public IReadOnlyList<TokenLogprobEntry>? Logprobs { get; init; }
}

/// <summary>A generated token with its log-probability and the most likely alternatives.</summary>
public sealed record TokenLogprobEntry(string Token, float Logprob, IReadOnlyList<TokenLogprob> TopLogprobs);

/// <summary>How an answer ended.</summary>
public sealed record InferenceResult
{
    /// <summary>Why it ended.</summary>
    public required DoneReason Reason { get; init; }
    /// <summary>Token counts and engine timings.</summary>
    public required GenerationStats Stats { get; init; }
    /// <summary>Time spent loading the model for this request.</summary>
    public TimeSpan LoadDuration { get; init; }
    /// <summary>From request start to the end.</summary>
    public TimeSpan TotalDuration { get; init; }
    /// <summary>Tool calls found in the answer.</summary>
    public IReadOnlyList<ToolCall> ToolCalls { get; init; } = [];
    /// <summary>All tokens of the exchange (prompt and answer), for Ollama's context field.</summary>
    public IReadOnlyList<int> Context { get; init; } = [];
    /// <summary>The seed the sampler used.</summary>
    public long? Seed { get; init; }
}
