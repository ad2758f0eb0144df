using System.Text.Json;
using System.Text.Json.Nodes;
using Takase.Engine.Templates;
using Takase.Server.Hosting;
using Takase.Server.Inference;

namespace Takase.Server.Ollama;

/// <summary>
/// Turns Ollama requests into the calls <see cref="InferenceService"/> understands, checking on the way what Ollama
/// checks (the model can do what is asked: tools, thinking, insert, images) and reading the fields that take several
/// JSON shapes. Every refusal is an <see cref="ArgumentException"/> whose message the client sees with a 400.
/// </summary>
public static class OllamaCalls
{
    /// <summary>The model field, which every inference route needs.</summary>
    public static string RequireModel(string? model) =>
        string.IsNullOrWhiteSpace(model) ? throw new ArgumentException("model is required") : model;

    /// <summary>keep_alive: a duration string or seconds; null when absent.</summary>
    public static TimeSpan? KeepAliveOf(JsonElement? value) => KeepAlive.FromJson(value);

    /// <summary>Whether keep_alive asks to unload now (0 or "0s").</summary>
    public static bool IsUnload(TimeSpan? keepAlive) => keepAlive == TimeSpan.Zero;

    /// <summary>
    /// The prompt of a /api/generate request that brings its own Go template, as Ollama renders it: the template sees
    /// the system text and the prompt as a conversation (.System/.Prompt for older templates, .Messages for newer ones)
    /// and the text ends where the answer begins.
    /// </summary>
    /// <exception cref="Takase.Library.GoTemplates.GoTemplateException">the template does not parse or cannot run; the message says where.</exception>
    public static string RenderTemplate(string template, string? system, string prompt)
    {
        List<Takase.Library.GoTemplates.TemplateMessage> messages = [];
        if (!string.IsNullOrEmpty(system)) messages.Add(new("system", system));
        messages.Add(new("user", prompt));
        return Takase.Library.GoTemplates.OllamaPromptTemplate.Parse(template).Execute(new() { Messages = messages });
    }

    /// <summary>The /api/generate request as a completion.</summary>
    public static CompletionCall Completion(GenerateRequest r, string model, ModelFacts facts)
    {
        if (r.Raw && (!string.IsNullOrEmpty(r.Template) || !string.IsNullOrEmpty(r.System) || r.Context is { Count: > 0 }))
            throw new ArgumentException("raw mode does not support template, system, or context");
        RejectImages(r.Images, model);
        var think = ThinkOf(r.Think, model, facts);
        var options = OptionsMapper.Map(r.Options, r.Shift ?? true);
        var prompt = r.Prompt ?? "";
        var raw = r.Raw;
        string? system = r.System;
        if (!string.IsNullOrEmpty(r.Suffix))
        {
            // Fill in the middle, in llama.cpp's prefix-suffix-middle order; the answer is the middle.
            var (pre, suf, mid) = facts.FillInMiddle ?? throw new ArgumentException($"\"{model}\" does not support insert");
            prompt = pre + prompt + suf + r.Suffix + mid;
            raw = true;
            system = null;
        }
        else if (!raw && !string.IsNullOrEmpty(r.Template))
        {
            prompt = RenderTemplate(r.Template, system, prompt);
            raw = true; // the request's own template replaces the model's
            system = null;
        }
        return new CompletionCall
        {
            Model = model,
            Prompt = prompt,
            System = system,
            Raw = raw,
            Context = r.Context,
            Think = think,
            Options = options.Generation,
            ContextLength = options.ContextLength,
            KeepAlive = KeepAliveOf(r.KeepAlive),
            Format = FormatOf(r.Format),
            TopLogprobs = TopLogprobsOf(r.Logprobs, r.TopLogprobs),
            Truncate = r.Truncate ?? false,
        };
    }

    /// <summary>The /api/chat request as a chat call.</summary>
    public static ChatCall Chat(ChatRequest r, string model, ModelFacts facts)
    {
        // tool_choice is Takase's addition to /api/chat, with OpenAI's meaning.
        var (tools, forceCall) = ToolChoice.Apply(ToolsOf(r.Tools), r.ToolChoice);
        if (tools is { Count: > 0 } && !facts.SupportsTools) throw new ArgumentException($"\"{model}\" does not support tools");
        var think = ThinkOf(r.Think, model, facts);
        var options = OptionsMapper.Map(r.Options, r.Shift ?? true);
        return new ChatCall
        {
            Model = model,
            Messages = MessagesOf(r.Messages ?? [], model),
            Tools = tools,
            RequireToolCall = forceCall,
            Think = think,
            Options = options.Generation,
            ContextLength = options.ContextLength,
            KeepAlive = KeepAliveOf(r.KeepAlive),
            Format = FormatOf(r.Format),
            TopLogprobs = TopLogprobsOf(r.Logprobs, r.TopLogprobs),
            Truncate = r.Truncate ?? false,
        };
    }

    /// <summary>The texts of /api/embed's input: a string, an array of strings, or nothing.</summary>
    public static IReadOnlyList<string> EmbedInputs(JsonElement? input)
    {
        if (input is not { } v || v.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return [];
        if (v.ValueKind == JsonValueKind.String) return v.GetString() is { Length: > 0 } s ? [s] : [];
        if (v.ValueKind != JsonValueKind.Array)
            throw new ArgumentException($"input must be a string or an array of strings, not {OptionsMapper.Describe(v)}");
        var list = new List<string>();
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw new ArgumentException($"input must be a string or an array of strings; element {list.Count} is {OptionsMapper.Describe(item)}");
            list.Add(item.GetString()!);
        }
        return list;
    }

    /// <summary>
    /// think: true/false, or a level ("low", "medium", "high") that thinking models take as true. Asking a model
    /// without a thinking template to think is refused, as Ollama does.
    /// </summary>
    public static bool? ThinkOf(JsonElement? value, string model, ModelFacts facts)
    {
        bool? think = value switch
        {
            null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            { ValueKind: JsonValueKind.String } v when v.GetString() is "low" or "medium" or "high" => true,
            { } v => throw new ArgumentException($"think must be true, false, \"low\", \"medium\" or \"high\", not {OptionsMapper.Describe(v)}"),
        };
        if (think == true && !facts.SupportsThinking) throw new ArgumentException($"\"{model}\" does not support thinking");
        return think;
    }

    /// <summary>format: "json", a JSON schema object, or nothing ("" and null).</summary>
    public static OutputFormat? FormatOf(JsonElement? value) => value switch
    {
        null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        { ValueKind: JsonValueKind.String } v when v.GetString() is "" => null,
        { ValueKind: JsonValueKind.String } v when v.GetString() is "json" => new OutputFormat.Json(),
        { ValueKind: JsonValueKind.Object } v => new OutputFormat.JsonSchema(JsonNode.Parse(v.GetRawText())!),
        { } v => throw new ArgumentException($"format must be \"json\" or a JSON schema object, not {OptionsMapper.Describe(v)}"),
    };

    /// <summary>logprobs/top_logprobs as the engine's single setting: -1 none, 0 the chosen token, n alternatives.</summary>
    public static int TopLogprobsOf(bool logprobs, int top)
    {
        if (top is < 0 or > 20) throw new ArgumentException($"top_logprobs must be between 0 and 20, not {top}");
        return logprobs ? top : -1;
    }

    /// <summary>Images are refused until Takase runs vision models.</summary>
    public static void RejectImages(IReadOnlyList<string>? images, string model)
    {
        if (images is { Count: > 0 }) throw new ArgumentException($"this model does not support images (\"{model}\" has no vision capability; Takase runs no vision models yet)");
    }

    /// <summary>Ollama messages as template messages; roles are lower-cased as Ollama does.</summary>
    public static IReadOnlyList<ChatMessage> MessagesOf(IReadOnlyList<OllamaMessage> messages, string model)
    {
        var result = new List<ChatMessage>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i] ?? throw new ArgumentException($"messages[{i}] is null; each message is an object with role and content");
            if (string.IsNullOrWhiteSpace(m.Role)) throw new ArgumentException($"messages[{i}].role is required (system, user, assistant or tool)");
            RejectImages(m.Images, model);
            List<ChatToolCall>? calls = null;
            if (m.ToolCalls is { Count: > 0 })
            {
                calls = [];
                for (var j = 0; j < m.ToolCalls.Count; j++)
                {
                    var fn = m.ToolCalls[j]?.Function;
                    if (string.IsNullOrEmpty(fn?.Name)) throw new ArgumentException($"messages[{i}].tool_calls[{j}].function.name is required");
                    calls.Add(new ChatToolCall(m.ToolCalls[j].Id ?? $"call_{i}_{j}", fn.Name, ArgumentsOf(fn.Arguments, $"messages[{i}].tool_calls[{j}].function.arguments")));
                }
            }
            result.Add(new ChatMessage(m.Role.ToLowerInvariant(), m.Content ?? "")
            {
                ToolCalls = calls,
                ToolCallId = m.ToolCallId,
                Name = m.ToolName,
                ReasoningContent = string.IsNullOrEmpty(m.Thinking) ? null : m.Thinking,
            });
        }
        return result;
    }

    /// <summary>Tool definitions, each an object whose function has a name.</summary>
    public static IReadOnlyList<JsonNode>? ToolsOf(IReadOnlyList<JsonNode?>? tools)
    {
        if (tools is not { Count: > 0 }) return null;
        var list = new List<JsonNode>(tools.Count);
        for (var i = 0; i < tools.Count; i++)
        {
            if (tools[i] is not JsonObject tool) throw new ArgumentException($"tools[{i}] must be an object such as {{\"type\": \"function\", \"function\": {{\"name\": …}}}}");
            if (tool["function"] is not JsonObject fn || fn["name"] is not JsonValue name || !name.TryGetValue<string>(out var n) || n.Length == 0)
                throw new ArgumentException($"tools[{i}].function.name is required");
            list.Add(tool);
        }
        return list;
    }

    // Arguments are an object; a JSON string holding one (the OpenAI habit) is accepted too.
    private static JsonObject ArgumentsOf(JsonNode? arguments, string field) => arguments switch
    {
        null => new JsonObject(),
        JsonObject o => o,
        JsonValue v when v.TryGetValue<string>(out var s) && TryParseObject(s) is { } parsed => parsed,
        _ => throw new ArgumentException($"{field} must be a JSON object"),
    };

    private static JsonObject? TryParseObject(string s)
    {
        try { return JsonNode.Parse(s) as JsonObject; }
        catch (JsonException) { return null; }
    }
}
