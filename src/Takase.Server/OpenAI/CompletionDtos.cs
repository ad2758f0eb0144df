using System.Text.Json;
using System.Text.Json.Serialization;

namespace Takase.Server.OpenAI;

// The wire types of POST /v1/completions (OpenAI's legacy text completions), named after OpenAI's OpenAPI schemas.

/// <summary>The body of POST /v1/completions (CreateCompletionRequest).</summary>
public sealed record CreateCompletionRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    /// <summary>A string, an array of strings, an array of token ids, or an array of token id arrays.</summary>
    [JsonPropertyName("prompt")] public JsonElement? Prompt { get; init; }
    /// <summary>Text after the completion (fill-in-the-middle); refused, as no served model does it yet.</summary>
    [JsonPropertyName("suffix")] public string? Suffix { get; init; }
    /// <summary>Defaults to 16, as OpenAI's.</summary>
    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; init; }
    [JsonPropertyName("temperature")] public double? Temperature { get; init; }
    [JsonPropertyName("top_p")] public double? TopP { get; init; }
    [JsonPropertyName("n")] public int? N { get; init; }
    [JsonPropertyName("best_of")] public int? BestOf { get; init; }
    [JsonPropertyName("stream")] public bool? Stream { get; init; }
    [JsonPropertyName("stream_options")] public StreamOptions? StreamOptions { get; init; }
    /// <summary>How many alternatives to report per token (0 for the chosen token only); absent for none.</summary>
    [JsonPropertyName("logprobs")] public int? Logprobs { get; init; }
    /// <summary>Put the prompt in front of the completion.</summary>
    [JsonPropertyName("echo")] public bool? Echo { get; init; }
    [JsonPropertyName("stop")] public JsonElement? Stop { get; init; }
    [JsonPropertyName("presence_penalty")] public double? PresencePenalty { get; init; }
    [JsonPropertyName("frequency_penalty")] public double? FrequencyPenalty { get; init; }
    [JsonPropertyName("logit_bias")] public Dictionary<string, double>? LogitBias { get; init; }
    [JsonPropertyName("seed")] public long? Seed { get; init; }
}

/// <summary>A text completion, or one event of a streamed one (object "text_completion" in both).</summary>
public sealed record CreateCompletionResponse
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("object")] public string Object { get; } = "text_completion";
    [JsonPropertyName("created")] public required long Created { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("system_fingerprint")] public string SystemFingerprint { get; } = OpenAiApi.SystemFingerprint;
    [JsonPropertyName("choices")] public required IReadOnlyList<CompletionChoice> Choices { get; init; }
    /// <summary>Present on a whole completion; on a stream only in the last event, when include_usage asks.</summary>
    [JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public CompletionUsage? Usage { get; init; }
    /// <summary>Takase's addition for a request to a router profile: the routing decision and its hops.</summary>
    [JsonPropertyName("takase"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Routing.RouteExplanation? Takase { get; init; }
}

/// <summary>One completion: choice index = prompt index × n + the choice's number for that prompt.</summary>
public sealed record CompletionChoice
{
    [JsonPropertyName("text")] public required string Text { get; init; }
    [JsonPropertyName("index")] public required int Index { get; init; }
    [JsonPropertyName("logprobs")] public CompletionLogprobs? Logprobs { get; init; }
    /// <summary>"stop" or "length"; null on stream events before a choice's last.</summary>
    [JsonPropertyName("finish_reason")] public string? FinishReason { get; init; }
}

/// <summary>The legacy logprobs: parallel arrays over the generated tokens.</summary>
public sealed record CompletionLogprobs
{
    [JsonPropertyName("tokens")] public List<string> Tokens { get; init; } = [];
    [JsonPropertyName("token_logprobs")] public List<float> TokenLogprobs { get; init; } = [];
    [JsonPropertyName("top_logprobs")] public List<Dictionary<string, float>> TopLogprobs { get; init; } = [];
    [JsonPropertyName("text_offset")] public List<int> TextOffset { get; init; } = [];
}
