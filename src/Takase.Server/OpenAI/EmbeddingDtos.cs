using System.Text.Json;
using System.Text.Json.Serialization;

namespace Takase.Server.OpenAI;

/// <summary>The body of POST /v1/embeddings (CreateEmbeddingRequest).</summary>
public sealed record CreateEmbeddingRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    /// <summary>A string, an array of strings, an array of token ids, or an array of token id arrays.</summary>
    [JsonPropertyName("input")] public JsonElement? Input { get; init; }
    /// <summary>"float" (default) or "base64" (little-endian float32s; the OpenAI SDKs ask for it).</summary>
    [JsonPropertyName("encoding_format")] public string? EncodingFormat { get; init; }
    /// <summary>Keep only the first n dimensions (re-normalised).</summary>
    [JsonPropertyName("dimensions")] public int? Dimensions { get; init; }
}

/// <summary>The embeddings of every input (object "list").</summary>
public sealed record CreateEmbeddingResponse
{
    [JsonPropertyName("object")] public string Object { get; } = "list";
    [JsonPropertyName("data")] public required IReadOnlyList<Embedding> Data { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("usage")] public required EmbeddingUsage Usage { get; init; }
}

/// <summary>One input's vector: an array of floats, or a base64 string of their little-endian bytes.</summary>
public sealed record Embedding
{
    [JsonPropertyName("object")] public string Object { get; } = "embedding";
    [JsonPropertyName("index")] public required int Index { get; init; }
    /// <summary>float[] or string, as encoding_format asked.</summary>
    [JsonPropertyName("embedding")] public required object Vector { get; init; }
}

/// <summary>Tokens read to make the embeddings.</summary>
public sealed record EmbeddingUsage
{
    [JsonPropertyName("prompt_tokens")] public required int PromptTokens { get; init; }
    [JsonPropertyName("total_tokens")] public int TotalTokens => PromptTokens;
}
