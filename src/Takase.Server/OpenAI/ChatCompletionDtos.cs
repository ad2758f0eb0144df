using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Takase.Server.OpenAI;

// The wire types of POST /v1/chat/completions, named after OpenAI's OpenAPI schemas. Request fields are nullable so
// "absent" and "null" both mean "the default"; fields whose JSON type varies (content, stop, tool_choice) stay
// JsonElement and are interpreted, with errors naming the field, by ChatCompletionMapping.

/// <summary>The body of POST /v1/chat/completions (CreateChatCompletionRequest).</summary>
public sealed record CreateChatCompletionRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("messages")] public List<ChatCompletionRequestMessage?>? Messages { get; init; }
    [JsonPropertyName("tools")] public List<JsonNode?>? Tools { get; init; }
    /// <summary>"none", "auto", "required" or {"type":"function","function":{"name":…}}.</summary>
    [JsonPropertyName("tool_choice")] public JsonElement? ToolChoice { get; init; }
    [JsonPropertyName("response_format")] public ResponseFormat? ResponseFormat { get; init; }
    [JsonPropertyName("seed")] public long? Seed { get; init; }
    /// <summary>A string or an array of strings.</summary>
    [JsonPropertyName("stop")] public JsonElement? Stop { get; init; }
    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; init; }
    [JsonPropertyName("max_completion_tokens")] public int? MaxCompletionTokens { get; init; }
    [JsonPropertyName("temperature")] public double? Temperature { get; init; }
    [JsonPropertyName("top_p")] public double? TopP { get; init; }
    [JsonPropertyName("n")] public int? N { get; init; }
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; init; }
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; init; }
    [JsonPropertyName("presence_penalty")] public double? PresencePenalty { get; init; }
    [JsonPropertyName("frequency_penalty")] public double? FrequencyPenalty { get; init; }
    /// <summary>Token id (as a string) → bias in [-100, 100].</summary>
    [JsonPropertyName("logit_bias")] public Dictionary<string, double>? LogitBias { get; init; }
    [JsonPropertyName("stream")] public bool? Stream { get; init; }
    [JsonPropertyName("stream_options")] public StreamOptions? StreamOptions { get; init; }
    /// <summary>"none" asks a thinking model not to think; "low" / "medium" / "high" ask it to.</summary>
    [JsonPropertyName("reasoning_effort")] public string? ReasoningEffort { get; init; }
}

/// <summary>One message of the conversation (system, developer, user, assistant or tool).</summary>
public sealed record ChatCompletionRequestMessage
{
    [JsonPropertyName("role")] public string? Role { get; init; }
    /// <summary>A string, an array of content parts, or null (an assistant turn with tool calls).</summary>
    [JsonPropertyName("content")] public JsonElement? Content { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("tool_calls")] public List<ChatCompletionMessageToolCall?>? ToolCalls { get; init; }
    [JsonPropertyName("tool_call_id")] public string? ToolCallId { get; init; }
    /// <summary>An earlier answer's reasoning, for templates that show it again.</summary>
    [JsonPropertyName("reasoning_content")] public string? ReasoningContent { get; init; }
}

/// <summary>A function call made by the assistant, in requests and responses.</summary>
public sealed record ChatCompletionMessageToolCall
{
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("type")] public string? Type { get; init; } = "function";
    [JsonPropertyName("function")] public FunctionCall? Function { get; init; }
}

/// <summary>A called function: its name and its arguments as a JSON-encoded string.</summary>
public sealed record FunctionCall
{
    [JsonPropertyName("name")] public string? Name { get; init; }
    /// <summary>A string holding JSON in OpenAI's format; requests may also send the object itself.</summary>
    [JsonPropertyName("arguments")] public JsonElement? Arguments { get; init; }
}

/// <summary>response_format: {"type": "text" | "json_object" | "json_schema", "json_schema": {…}}.</summary>
public sealed record ResponseFormat
{
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("json_schema")] public JsonSchemaFormat? JsonSchema { get; init; }
}

/// <summary>The json_schema of a response_format.</summary>
public sealed record JsonSchemaFormat
{
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("description")] public string? Description { get; init; }
    [JsonPropertyName("schema")] public JsonNode? Schema { get; init; }
    [JsonPropertyName("strict")] public bool? Strict { get; init; }
}

/// <summary>stream_options: {"include_usage": true} adds a last chunk with the usage.</summary>
public sealed record StreamOptions
{
    [JsonPropertyName("include_usage")] public bool? IncludeUsage { get; init; }
}

/// <summary>A chat answer (CreateChatCompletionResponse, object "chat.completion").</summary>
public sealed record CreateChatCompletionResponse
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("object")] public string Object { get; } = "chat.completion";
    [JsonPropertyName("created")] public required long Created { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("system_fingerprint")] public string SystemFingerprint { get; } = OpenAiApi.SystemFingerprint;
    [JsonPropertyName("choices")] public required IReadOnlyList<ChatCompletionChoice> Choices { get; init; }
    [JsonPropertyName("usage")] public required CompletionUsage Usage { get; init; }
    /// <summary>Takase's addition for a request to a router profile: the routing decision and its hops.</summary>
    [JsonPropertyName("takase"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Routing.RouteExplanation? Takase { get; init; }
}

/// <summary>One of the n answers.</summary>
public sealed record ChatCompletionChoice
{
    [JsonPropertyName("index")] public required int Index { get; init; }
    [JsonPropertyName("message")] public required ChatCompletionResponseMessage Message { get; init; }
    /// <summary>Null unless logprobs were asked for.</summary>
    [JsonPropertyName("logprobs")] public ChatCompletionLogprobs? Logprobs { get; init; }
    /// <summary>"stop", "length" or "tool_calls".</summary>
    [JsonPropertyName("finish_reason")] public required string FinishReason { get; init; }
}

/// <summary>The assistant's message: text (null when it only calls tools), tool calls, reasoning.</summary>
public sealed record ChatCompletionResponseMessage
{
    [JsonPropertyName("role")] public string Role { get; } = "assistant";
    [JsonPropertyName("content")] public string? Content { get; init; }
    [JsonPropertyName("refusal")] public string? Refusal { get; init; }
    [JsonPropertyName("reasoning_content"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ReasoningContent { get; init; }
    [JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<ChatCompletionToolCallOutput>? ToolCalls { get; init; }
}

/// <summary>A tool call in an answer: {"id", "type": "function", "function": {"name", "arguments"}}.</summary>
public sealed record ChatCompletionToolCallOutput
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("type")] public string Type { get; } = "function";
    [JsonPropertyName("function")] public required FunctionCallOutput Function { get; init; }
}

/// <summary>The called function; arguments is a JSON-encoded string, as OpenAI sends it.</summary>
public sealed record FunctionCallOutput
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("arguments")] public required string Arguments { get; init; }
}

/// <summary>Log-probabilities of a choice's tokens.</summary>
public sealed record ChatCompletionLogprobs
{
    [JsonPropertyName("content")] public required IReadOnlyList<ChatCompletionTokenLogprob> Content { get; init; }
    [JsonPropertyName("refusal")] public IReadOnlyList<ChatCompletionTokenLogprob>? Refusal { get; init; }
}

/// <summary>A generated token, its log-probability, its UTF-8 bytes and the most likely alternatives.</summary>
public sealed record ChatCompletionTokenLogprob
{
    [JsonPropertyName("token")] public required string Token { get; init; }
    [JsonPropertyName("logprob")] public required float Logprob { get; init; }
    [JsonPropertyName("bytes")] public required IReadOnlyList<int> Bytes { get; init; }
    [JsonPropertyName("top_logprobs")] public required IReadOnlyList<TopLogprob> TopLogprobs { get; init; }
}

/// <summary>An alternative token at one position.</summary>
public sealed record TopLogprob
{
    [JsonPropertyName("token")] public required string Token { get; init; }
    [JsonPropertyName("logprob")] public required float Logprob { get; init; }
    [JsonPropertyName("bytes")] public required IReadOnlyList<int> Bytes { get; init; }
}

/// <summary>Token counts of a request: the prompt once, the answers of all choices together.</summary>
public sealed record CompletionUsage
{
    [JsonPropertyName("prompt_tokens")] public required int PromptTokens { get; init; }
    [JsonPropertyName("completion_tokens")] public required int CompletionTokens { get; init; }
    [JsonPropertyName("total_tokens")] public int TotalTokens => PromptTokens + CompletionTokens;
}

/// <summary>One server-sent event of a streamed answer (CreateChatCompletionStreamResponse).</summary>
public sealed record CreateChatCompletionStreamResponse
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("object")] public string Object { get; } = "chat.completion.chunk";
    [JsonPropertyName("created")] public required long Created { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("system_fingerprint")] public string SystemFingerprint { get; } = OpenAiApi.SystemFingerprint;
    [JsonPropertyName("choices")] public required IReadOnlyList<ChatCompletionChunkChoice> Choices { get; init; }
    /// <summary>Only on the last chunk, with empty choices, when stream_options.include_usage asks for it.</summary>
    [JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public CompletionUsage? Usage { get; init; }
    /// <summary>Takase's addition for a request to a router profile: on the last chunk, the routing decision and its hops.</summary>
    [JsonPropertyName("takase"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Routing.RouteExplanation? Takase { get; init; }
}

/// <summary>What one choice adds in a chunk; finish_reason is set on its last chunk only.</summary>
public sealed record ChatCompletionChunkChoice
{
    [JsonPropertyName("index")] public required int Index { get; init; }
    [JsonPropertyName("delta")] public required ChatCompletionStreamResponseDelta Delta { get; init; }
    [JsonPropertyName("logprobs")] public ChatCompletionLogprobs? Logprobs { get; init; }
    [JsonPropertyName("finish_reason")] public string? FinishReason { get; init; }
}

/// <summary>The new part of the message; absent fields did not change.</summary>
public sealed record ChatCompletionStreamResponseDelta
{
    [JsonPropertyName("role"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Role { get; init; }
    [JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Content { get; init; }
    [JsonPropertyName("reasoning_content"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ReasoningContent { get; init; }
    [JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<ChatCompletionMessageToolCallChunk>? ToolCalls { get; init; }
}

/// <summary>A tool call in a stream: its position among the calls, its id, and the function.</summary>
public sealed record ChatCompletionMessageToolCallChunk
{
    [JsonPropertyName("index")] public required int Index { get; init; }
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("type")] public string Type { get; } = "function";
    [JsonPropertyName("function")] public required FunctionCallOutput Function { get; init; }
}
