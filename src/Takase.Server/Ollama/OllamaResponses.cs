using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Takase.Server.Ollama;

// The answers of the Ollama API, with fields in api/types.go's order so a byte-level diff against Ollama reads
// naturally. Null fields are left out (Go's omitempty); durations are nanoseconds, as Go's time.Duration.

/// <summary>One chunk (or the whole answer) of POST /api/generate.</summary>
public sealed record GenerateResponse
{
    /// <summary>The model name as the request gave it (for a router profile: the model that answered).</summary>
    [JsonPropertyName("model")] public required string Model { get; init; }
    /// <summary>When this chunk was made (UTC).</summary>
    [JsonPropertyName("created_at")] public required DateTime CreatedAt { get; init; }
    /// <summary>Answer text of this chunk; empty on the final streamed chunk.</summary>
    [JsonPropertyName("response")] public string Response { get; init; } = "";
    /// <summary>Reasoning text of thinking models.</summary>
    [JsonPropertyName("thinking")] public string? Thinking { get; init; }
    /// <summary>True on the last chunk.</summary>
    [JsonPropertyName("done")] public bool Done { get; init; }
    /// <summary>stop, length, load or unload.</summary>
    [JsonPropertyName("done_reason")] public string? DoneReason { get; init; }
    /// <summary>Tokens of the exchange, to continue it in a later request (not in raw mode).</summary>
    [JsonPropertyName("context")] public IReadOnlyList<int>? Context { get; init; }
    /// <summary>Nanoseconds from request to answer.</summary>
    [JsonPropertyName("total_duration")] public long? TotalDuration { get; init; }
    /// <summary>Nanoseconds spent loading the model.</summary>
    [JsonPropertyName("load_duration")] public long? LoadDuration { get; init; }
    /// <summary>Prompt tokens evaluated (those found in the cache are not counted).</summary>
    [JsonPropertyName("prompt_eval_count")] public int? PromptEvalCount { get; init; }
    /// <summary>Nanoseconds evaluating the prompt.</summary>
    [JsonPropertyName("prompt_eval_duration")] public long? PromptEvalDuration { get; init; }
    /// <summary>Tokens generated.</summary>
    [JsonPropertyName("eval_count")] public int? EvalCount { get; init; }
    /// <summary>Nanoseconds generating.</summary>
    [JsonPropertyName("eval_duration")] public long? EvalDuration { get; init; }
    /// <summary>Log-probabilities of this chunk's tokens.</summary>
    [JsonPropertyName("logprobs")] public IReadOnlyList<OllamaLogprob>? Logprobs { get; init; }
    /// <summary>Takase's addition on the final chunk of a request for a router profile: the routing decision and its hops.</summary>
    [JsonPropertyName("takase")] public Routing.RouteExplanation? Takase { get; init; }
}

/// <summary>One chunk (or the whole answer) of POST /api/chat.</summary>
public sealed record ChatResponse
{
    /// <summary>The model name as the request gave it (for a router profile: the model that answered).</summary>
    [JsonPropertyName("model")] public required string Model { get; init; }
    /// <summary>When this chunk was made (UTC).</summary>
    [JsonPropertyName("created_at")] public required DateTime CreatedAt { get; init; }
    /// <summary>The assistant message, or this chunk's part of it.</summary>
    [JsonPropertyName("message")] public required OllamaMessage Message { get; init; }
    /// <summary>True on the last chunk.</summary>
    [JsonPropertyName("done")] public bool Done { get; init; }
    /// <summary>stop, length, load or unload.</summary>
    [JsonPropertyName("done_reason")] public string? DoneReason { get; init; }
    /// <summary>Log-probabilities of this chunk's tokens.</summary>
    [JsonPropertyName("logprobs")] public IReadOnlyList<OllamaLogprob>? Logprobs { get; init; }
    /// <summary>Nanoseconds from request to answer.</summary>
    [JsonPropertyName("total_duration")] public long? TotalDuration { get; init; }
    /// <summary>Nanoseconds spent loading the model.</summary>
    [JsonPropertyName("load_duration")] public long? LoadDuration { get; init; }
    /// <summary>Prompt tokens evaluated (those found in the cache are not counted).</summary>
    [JsonPropertyName("prompt_eval_count")] public int? PromptEvalCount { get; init; }
    /// <summary>Nanoseconds evaluating the prompt.</summary>
    [JsonPropertyName("prompt_eval_duration")] public long? PromptEvalDuration { get; init; }
    /// <summary>Tokens generated.</summary>
    [JsonPropertyName("eval_count")] public int? EvalCount { get; init; }
    /// <summary>Nanoseconds generating.</summary>
    [JsonPropertyName("eval_duration")] public long? EvalDuration { get; init; }
    /// <summary>Takase's addition on the final chunk of a request for a router profile: the routing decision and its hops.</summary>
    [JsonPropertyName("takase")] public Routing.RouteExplanation? Takase { get; init; }
}

/// <summary>A generated token's log-probability, with the likeliest alternatives when asked for.</summary>
public sealed record OllamaLogprob
{
    /// <summary>Token text.</summary>
    [JsonPropertyName("token")] public required string Token { get; init; }
    /// <summary>Natural-log probability.</summary>
    [JsonPropertyName("logprob")] public required double Logprob { get; init; }
    /// <summary>Alternatives at this position (top_logprobs &gt; 0).</summary>
    [JsonPropertyName("top_logprobs")] public IReadOnlyList<OllamaTokenLogprob>? TopLogprobs { get; init; }
}

/// <summary>An alternative token with its log-probability.</summary>
public sealed record OllamaTokenLogprob(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("logprob")] double Logprob);

/// <summary>POST /api/embed.</summary>
public sealed record EmbedResponse
{
    /// <summary>The model name as the request gave it (for a router profile: the model that answered).</summary>
    [JsonPropertyName("model")] public required string Model { get; init; }
    /// <summary>One vector per input.</summary>
    [JsonPropertyName("embeddings")] public required IReadOnlyList<float[]> Embeddings { get; init; }
    /// <summary>Nanoseconds from request to answer.</summary>
    [JsonPropertyName("total_duration")] public long? TotalDuration { get; init; }
    /// <summary>Nanoseconds spent loading the model.</summary>
    [JsonPropertyName("load_duration")] public long? LoadDuration { get; init; }
    /// <summary>Input tokens.</summary>
    [JsonPropertyName("prompt_eval_count")] public int? PromptEvalCount { get; init; }
}

/// <summary>POST /api/embeddings (legacy).</summary>
public sealed record EmbeddingResponse([property: JsonPropertyName("embedding")] IReadOnlyList<double> Embedding);

/// <summary>The details block of /api/tags, /api/show and /api/ps.</summary>
public sealed record ModelDetails
{
    /// <summary>Model this one was made from (empty: none known).</summary>
    [JsonPropertyName("parent_model")] public string ParentModel { get; init; } = "";
    /// <summary>Always "gguf" here.</summary>
    [JsonPropertyName("format")] public string Format { get; init; } = "gguf";
    /// <summary>general.architecture.</summary>
    [JsonPropertyName("family")] public string Family { get; init; } = "";
    /// <summary>Architectures involved (the family, and a projector's when there is one).</summary>
    [JsonPropertyName("families")] public IReadOnlyList<string>? Families { get; init; }
    /// <summary>Parameter count in Ollama's short form ("7.6B", "494.03M", "292K").</summary>
    [JsonPropertyName("parameter_size")] public string ParameterSize { get; init; } = "";
    /// <summary>Quantization in llama.cpp's file-type names ("Q4_K_M", "Q8_0", "F16").</summary>
    [JsonPropertyName("quantization_level")] public string QuantizationLevel { get; init; } = "";
}

/// <summary>GET /api/tags.</summary>
public sealed record ListResponse([property: JsonPropertyName("models")] IReadOnlyList<ListModel> Models);

/// <summary>One model of /api/tags.</summary>
public sealed record ListModel
{
    /// <summary>Name with tag.</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }
    /// <summary>Same as name.</summary>
    [JsonPropertyName("model")] public required string Model { get; init; }
    /// <summary>Last change of the file.</summary>
    [JsonPropertyName("modified_at")] public required DateTimeOffset ModifiedAt { get; init; }
    /// <summary>Bytes on disk.</summary>
    [JsonPropertyName("size")] public required long Size { get; init; }
    /// <summary>sha256 of the file, hex.</summary>
    [JsonPropertyName("digest")] public required string Digest { get; init; }
    /// <summary>Family, size, quantization.</summary>
    [JsonPropertyName("details")] public required ModelDetails Details { get; init; }
}

/// <summary>POST /api/show.</summary>
public sealed record ShowResponse
{
    /// <summary>general.license, when the file has one.</summary>
    [JsonPropertyName("license")] public string? License { get; init; }
    /// <summary>The model's SYSTEM prompt (library models made from a Modelfile).</summary>
    [JsonPropertyName("system"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? System { get; init; }
    /// <summary>A Modelfile that reproduces the model.</summary>
    [JsonPropertyName("modelfile")] public required string Modelfile { get; init; }
    /// <summary>PARAMETER lines, as Ollama prints them.</summary>
    [JsonPropertyName("parameters")] public string? Parameters { get; init; }
    /// <summary>The chat template (Jinja, from tokenizer.chat_template).</summary>
    [JsonPropertyName("template")] public string? Template { get; init; }
    /// <summary>Family, size, quantization.</summary>
    [JsonPropertyName("details")] public required ModelDetails Details { get; init; }
    /// <summary>GGUF metadata; arrays longer than five elements are emptied unless verbose.</summary>
    [JsonPropertyName("model_info")] public required IReadOnlyDictionary<string, JsonNode?> ModelInfo { get; init; }
    /// <summary>completion, embedding, tools, insert, thinking.</summary>
    [JsonPropertyName("capabilities")] public required IReadOnlyList<string> Capabilities { get; init; }
    /// <summary>Last change of the file.</summary>
    [JsonPropertyName("modified_at")] public required DateTimeOffset ModifiedAt { get; init; }
}

/// <summary>GET /api/ps.</summary>
public sealed record ProcessResponse([property: JsonPropertyName("models")] IReadOnlyList<ProcessModel> Models);

/// <summary>A loaded model in /api/ps.</summary>
public sealed record ProcessModel
{
    /// <summary>Name with tag.</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }
    /// <summary>Same as name.</summary>
    [JsonPropertyName("model")] public required string Model { get; init; }
    /// <summary>Bytes in memory: the mapped file plus the KV caches.</summary>
    [JsonPropertyName("size")] public required long Size { get; init; }
    /// <summary>sha256 of the file, hex.</summary>
    [JsonPropertyName("digest")] public required string Digest { get; init; }
    /// <summary>Family, size, quantization.</summary>
    [JsonPropertyName("details")] public required ModelDetails Details { get; init; }
    /// <summary>When it unloads if still idle.</summary>
    [JsonPropertyName("expires_at")] public required DateTime ExpiresAt { get; init; }
    /// <summary>Bytes on a GPU (0: the CPU engine holds everything).</summary>
    [JsonPropertyName("size_vram")] public long SizeVram { get; init; }
    /// <summary>Context of a request that names no num_ctx.</summary>
    [JsonPropertyName("context_length")] public required int ContextLength { get; init; }
    /// <summary>Takase's addition: what the model's scheduler is doing now.</summary>
    [JsonPropertyName("queue")] public required QueueState Queue { get; init; }
}

/// <summary>Requests running and waiting for one model.</summary>
public sealed record QueueState
{
    /// <summary>Requests generating now.</summary>
    [JsonPropertyName("running")] public required int Running { get; init; }
    /// <summary>Requests waiting for a slot.</summary>
    [JsonPropertyName("queued")] public required int Queued { get; init; }
    /// <summary>Sequences that can generate at once.</summary>
    [JsonPropertyName("slots")] public required int Slots { get; init; }
}

/// <summary>GET /api/queue (Takase's addition).</summary>
public sealed record QueueResponse([property: JsonPropertyName("models")] IReadOnlyList<ModelQueue> Models);

/// <summary>One loaded model's queue.</summary>
public sealed record ModelQueue
{
    /// <summary>Name with tag.</summary>
    [JsonPropertyName("model")] public required string Model { get; init; }
    /// <summary>Requests generating now.</summary>
    [JsonPropertyName("running")] public required int Running { get; init; }
    /// <summary>Requests waiting for a slot.</summary>
    [JsonPropertyName("queued")] public required int Queued { get; init; }
    /// <summary>Sequences that can generate at once.</summary>
    [JsonPropertyName("slots")] public required int Slots { get; init; }
}

/// <summary>POST /api/tokenize.</summary>
public sealed record TokenizeResponse([property: JsonPropertyName("tokens")] IReadOnlyList<int> Tokens);

/// <summary>POST /api/detokenize.</summary>
public sealed record DetokenizeResponse([property: JsonPropertyName("content")] string Content);

/// <summary>GET /api/version.</summary>
public sealed record VersionResponse([property: JsonPropertyName("version")] string Version);
