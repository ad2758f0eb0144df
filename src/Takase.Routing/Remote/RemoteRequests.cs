using System.Text.Json.Nodes;

namespace Takase.Routing.Remote;

/// <summary>A chat turn sent to a remote target, in OpenAI's terms.</summary>
/// <param name="Role">system, user, assistant or tool.</param>
/// <param name="Content">The text (null for an assistant turn that only calls tools).</param>
public sealed record RemoteMessage(string Role, string? Content)
{
    /// <summary>The tool calls of an assistant turn.</summary>
    public IReadOnlyList<RemoteToolCall>? ToolCalls { get; init; }
    /// <summary>The call a tool turn answers.</summary>
    public string? ToolCallId { get; init; }
}

/// <summary>A function call, as OpenAI carries it: the arguments are a string of JSON.</summary>
public sealed record RemoteToolCall(string Id, string Name, string Arguments);

/// <summary>Sampling and length settings both remote calls share; null leaves the provider's default.</summary>
public abstract record RemoteCall
{
    /// <summary>Sampling temperature.</summary>
    public float? Temperature { get; init; }
    /// <summary>Nucleus sampling.</summary>
    public float? TopP { get; init; }
    /// <summary>The most tokens the answer may take.</summary>
    public int? MaxTokens { get; init; }
    /// <summary>Seed for reproducible sampling (where the provider supports it).</summary>
    public long? Seed { get; init; }
    /// <summary>Stop sequences.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];
    /// <summary>Presence penalty.</summary>
    public float? PresencePenalty { get; init; }
    /// <summary>Frequency penalty.</summary>
    public float? FrequencyPenalty { get; init; }
    /// <summary>-1: no log-probabilities; 0: the chosen token's; n: also the n most likely alternatives.</summary>
    public int TopLogprobs { get; init; } = -1;
}

/// <summary>A chat completion request for a remote target.</summary>
public sealed record RemoteChatCall : RemoteCall
{
    /// <summary>The conversation.</summary>
    public required IReadOnlyList<RemoteMessage> Messages { get; init; }
    /// <summary>Tool definitions in OpenAI's shape ({"type":"function","function":{name, description, parameters}}).</summary>
    public IReadOnlyList<JsonNode>? Tools { get; init; }
    /// <summary>The answer must call one of the tools (tool_choice "required").</summary>
    public bool RequireToolCall { get; init; }
    /// <summary>Ask for a JSON object (response_format json_object).</summary>
    public bool Json { get; init; }
    /// <summary>Ask for JSON that follows this schema (response_format json_schema).</summary>
    public JsonNode? JsonSchema { get; init; }
}

/// <summary>A raw text completion (/v1/completions) for a remote target.</summary>
public sealed record RemoteTextCall : RemoteCall
{
    /// <summary>The prompt, continued as it is.</summary>
    public required string Prompt { get; init; }
}

/// <summary>A token's log-probability and the likeliest alternatives.</summary>
public sealed record RemoteLogprob(string Token, float Logprob, IReadOnlyList<(string Token, float Logprob)> Top);

/// <summary>A piece of a streamed answer.</summary>
/// <param name="Content">Answer text.</param>
/// <param name="Logprobs">The log-probabilities of the tokens behind it, when asked for.</param>
public sealed record RemoteDelta(string Content, IReadOnlyList<RemoteLogprob>? Logprobs = null);

/// <summary>A whole answer, or how a streamed one ended.</summary>
public sealed record RemoteAnswer
{
    /// <summary>The model the provider says answered (its own id), or the target's configured model.</summary>
    public required string Model { get; init; }
    /// <summary>All answer text.</summary>
    public required string Content { get; init; }
    /// <summary>"stop", "length", "tool_calls" or "content_filter".</summary>
    public required string FinishReason { get; init; }
    /// <summary>Tool calls of the answer.</summary>
    public IReadOnlyList<RemoteToolCall> ToolCalls { get; init; } = [];
    /// <summary>Prompt tokens as the provider counted them (0 when it did not say).</summary>
    public int PromptTokens { get; init; }
    /// <summary>Answer tokens as the provider counted them (0 when it did not say).</summary>
    public int CompletionTokens { get; init; }
    /// <summary>Log-probabilities of the answer's tokens, when asked for.</summary>
    public IReadOnlyList<RemoteLogprob>? Logprobs { get; init; }
}
