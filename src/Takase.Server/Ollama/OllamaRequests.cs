using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Takase.Server.Ollama;

// The request bodies of the Ollama API, field for field as ollama/ollama's api/types.go names them. Fields that take
// more than one JSON shape (format, keep_alive, think, options, input) stay JsonElement here and are interpreted, with
// errors that name the field, by OllamaCalls and OptionsMapper.

/// <summary>POST /api/generate.</summary>
public sealed record GenerateRequest
{
    /// <summary>Model name ("name" or "name:tag").</summary>
    [JsonPropertyName("model")] public string? Model { get; init; }
    /// <summary>The prompt; empty only loads (or, with keep_alive 0, unloads) the model.</summary>
    [JsonPropertyName("prompt")] public string? Prompt { get; init; }
    /// <summary>Text after the insertion point (fill-in-the-middle models only).</summary>
    [JsonPropertyName("suffix")] public string? Suffix { get; init; }
    /// <summary>System prompt for the model's template.</summary>
    [JsonPropertyName("system")] public string? System { get; init; }
    /// <summary>A Go-template prompt template (Ollama's TEMPLATE syntax) replacing the model's for this request.</summary>
    [JsonPropertyName("template")] public string? Template { get; init; }
    /// <summary>Tokens returned by an earlier response, to continue that exchange.</summary>
    [JsonPropertyName("context")] public IReadOnlyList<int>? Context { get; init; }
    /// <summary>Stream NDJSON chunks (default) or answer with one object.</summary>
    [JsonPropertyName("stream")] public bool? Stream { get; init; }
    /// <summary>Send the prompt as is, without any template.</summary>
    [JsonPropertyName("raw")] public bool Raw { get; init; }
    /// <summary>"json" or a JSON schema object.</summary>
    [JsonPropertyName("format")] public JsonElement? Format { get; init; }
    /// <summary>Duration string ("5m") or seconds.</summary>
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; init; }
    /// <summary>Base64 images (vision models).</summary>
    [JsonPropertyName("images")] public IReadOnlyList<string>? Images { get; init; }
    /// <summary>Runtime options (temperature, num_predict, num_ctx, …).</summary>
    [JsonPropertyName("options")] public JsonElement? Options { get; init; }
    /// <summary>true/false, or "low"/"medium"/"high".</summary>
    [JsonPropertyName("think")] public JsonElement? Think { get; init; }
    /// <summary>Cut the prompt to fit the context instead of failing (Takase: off unless asked).</summary>
    [JsonPropertyName("truncate")] public bool? Truncate { get; init; }
    /// <summary>Shift the context when generation fills it (default true).</summary>
    [JsonPropertyName("shift")] public bool? Shift { get; init; }
    /// <summary>Return log-probabilities of the generated tokens.</summary>
    [JsonPropertyName("logprobs")] public bool Logprobs { get; init; }
    /// <summary>Alternatives per position (0–20) when logprobs is on.</summary>
    [JsonPropertyName("top_logprobs")] public int TopLogprobs { get; init; }
}

/// <summary>POST /api/chat.</summary>
public sealed record ChatRequest
{
    /// <summary>Model name.</summary>
    [JsonPropertyName("model")] public string? Model { get; init; }
    /// <summary>The conversation; empty only loads (or unloads) the model.</summary>
    [JsonPropertyName("messages")] public IReadOnlyList<OllamaMessage>? Messages { get; init; }
    /// <summary>Function tools ({"type":"function","function":{name, description, parameters}}).</summary>
    [JsonPropertyName("tools")] public IReadOnlyList<JsonNode?>? Tools { get; init; }
    /// <summary>Takase's addition: "none", "auto", "required" or {"type":"function","function":{"name":…}}, as OpenAI.</summary>
    [JsonPropertyName("tool_choice")] public JsonElement? ToolChoice { get; init; }
    /// <summary>Stream NDJSON chunks (default) or answer with one object.</summary>
    [JsonPropertyName("stream")] public bool? Stream { get; init; }
    /// <summary>"json" or a JSON schema object.</summary>
    [JsonPropertyName("format")] public JsonElement? Format { get; init; }
    /// <summary>Duration string or seconds.</summary>
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; init; }
    /// <summary>Runtime options.</summary>
    [JsonPropertyName("options")] public JsonElement? Options { get; init; }
    /// <summary>true/false, or "low"/"medium"/"high".</summary>
    [JsonPropertyName("think")] public JsonElement? Think { get; init; }
    /// <summary>Drop the oldest turns to fit the context instead of failing (Takase: off unless asked).</summary>
    [JsonPropertyName("truncate")] public bool? Truncate { get; init; }
    /// <summary>Shift the context when generation fills it (default true).</summary>
    [JsonPropertyName("shift")] public bool? Shift { get; init; }
    /// <summary>Return log-probabilities of the generated tokens.</summary>
    [JsonPropertyName("logprobs")] public bool Logprobs { get; init; }
    /// <summary>Alternatives per position (0–20) when logprobs is on.</summary>
    [JsonPropertyName("top_logprobs")] public int TopLogprobs { get; init; }
}

/// <summary>One chat message, in requests and in answers.</summary>
public sealed record OllamaMessage
{
    /// <summary>system, user, assistant or tool.</summary>
    [JsonPropertyName("role")] public string? Role { get; init; }
    /// <summary>The text (always written, even when empty, as Ollama does).</summary>
    [JsonPropertyName("content")] public string? Content { get; init; }
    /// <summary>Reasoning of thinking models.</summary>
    [JsonPropertyName("thinking")] public string? Thinking { get; init; }
    /// <summary>Base64 images (vision models).</summary>
    [JsonPropertyName("images")] public IReadOnlyList<string>? Images { get; init; }
    /// <summary>Calls an assistant message made.</summary>
    [JsonPropertyName("tool_calls")] public IReadOnlyList<OllamaToolCall>? ToolCalls { get; init; }
    /// <summary>On a tool message: the tool that produced it.</summary>
    [JsonPropertyName("tool_name")] public string? ToolName { get; init; }
    /// <summary>On a tool message: the id of the call it answers.</summary>
    [JsonPropertyName("tool_call_id")] public string? ToolCallId { get; init; }
}

/// <summary>A function call: {"id"?, "function": {"index", "name", "arguments": {…}}}.</summary>
public sealed record OllamaToolCall
{
    /// <summary>Call id (Ollama writes call_xxxxxxxx).</summary>
    [JsonPropertyName("id")] public string? Id { get; init; }
    /// <summary>The function and its arguments.</summary>
    [JsonPropertyName("function")] public OllamaToolCallFunction? Function { get; init; }
}

/// <summary>The function part of a tool call; arguments are a JSON object, not a string.</summary>
public sealed record OllamaToolCallFunction
{
    /// <summary>Position among the calls of one answer.</summary>
    [JsonPropertyName("index")] public int Index { get; init; }
    /// <summary>Function name.</summary>
    [JsonPropertyName("name")] public string? Name { get; init; }
    /// <summary>Arguments object.</summary>
    [JsonPropertyName("arguments")] public JsonNode? Arguments { get; init; }
}

/// <summary>POST /api/embed.</summary>
public sealed record EmbedRequest
{
    /// <summary>Model name.</summary>
    [JsonPropertyName("model")] public string? Model { get; init; }
    /// <summary>A string or an array of strings.</summary>
    [JsonPropertyName("input")] public JsonElement? Input { get; init; }
    /// <summary>Cut inputs longer than the context (default true) instead of failing.</summary>
    [JsonPropertyName("truncate")] public bool? Truncate { get; init; }
    /// <summary>Keep only the first n dimensions (re-normalised).</summary>
    [JsonPropertyName("dimensions")] public int? Dimensions { get; init; }
    /// <summary>Duration string or seconds.</summary>
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; init; }
    /// <summary>Runtime options (num_ctx applies).</summary>
    [JsonPropertyName("options")] public JsonElement? Options { get; init; }
}

/// <summary>POST /api/embeddings (legacy, one prompt).</summary>
public sealed record EmbeddingsRequest
{
    /// <summary>Model name.</summary>
    [JsonPropertyName("model")] public string? Model { get; init; }
    /// <summary>Text to embed; empty only loads the model.</summary>
    [JsonPropertyName("prompt")] public string? Prompt { get; init; }
    /// <summary>Duration string or seconds.</summary>
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; init; }
    /// <summary>Runtime options (num_ctx applies).</summary>
    [JsonPropertyName("options")] public JsonElement? Options { get; init; }
}

/// <summary>POST /api/show, DELETE /api/delete and the registry routes: a model named by "model" (or the older "name").</summary>
public sealed record ModelRequest
{
    /// <summary>Model name.</summary>
    [JsonPropertyName("model")] public string? Model { get; init; }
    /// <summary>Deprecated spelling of <see cref="Model"/> that older clients (ollama-js delete, pull) still send.</summary>
    [JsonPropertyName("name")] public string? Name { get; init; }
    /// <summary>/api/show: include large metadata arrays (vocabulary, merges).</summary>
    [JsonPropertyName("verbose")] public bool Verbose { get; init; }

    /// <summary>model, or name when model is absent.</summary>
    public string? ModelName => string.IsNullOrEmpty(Model) ? Name : Model;
}

/// <summary>POST /api/copy.</summary>
public sealed record CopyRequest
{
    /// <summary>Existing model.</summary>
    [JsonPropertyName("source")] public string? Source { get; init; }
    /// <summary>New name.</summary>
    [JsonPropertyName("destination")] public string? Destination { get; init; }
}

/// <summary>POST /api/tokenize (Takase's addition).</summary>
public sealed record TokenizeRequest
{
    /// <summary>Model name.</summary>
    [JsonPropertyName("model")] public string? Model { get; init; }
    /// <summary>Text to tokenize (llama.cpp's field name).</summary>
    [JsonPropertyName("content")] public string? Content { get; init; }
    /// <summary>Text to tokenize (the field name of Ollama's proposal); used when content is absent.</summary>
    [JsonPropertyName("text")] public string? Text { get; init; }
    /// <summary>Add BOS/EOS as the model asks (default false, as llama.cpp's /tokenize).</summary>
    [JsonPropertyName("add_special")] public bool? AddSpecial { get; init; }
    /// <summary>Turn special-token texts such as &lt;|im_start|&gt; into their ids (default true, as llama.cpp).</summary>
    [JsonPropertyName("parse_special")] public bool? ParseSpecial { get; init; }
    /// <summary>Duration string or seconds.</summary>
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; init; }
}

/// <summary>POST /api/detokenize (Takase's addition).</summary>
public sealed record DetokenizeRequest
{
    /// <summary>Model name.</summary>
    [JsonPropertyName("model")] public string? Model { get; init; }
    /// <summary>Token ids.</summary>
    [JsonPropertyName("tokens")] public IReadOnlyList<int>? Tokens { get; init; }
    /// <summary>Duration string or seconds.</summary>
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; init; }
}
