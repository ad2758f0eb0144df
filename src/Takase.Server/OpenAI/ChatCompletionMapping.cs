using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takase.Engine.Templates;
using Takase.Server.Inference;

namespace Takase.Server.OpenAI;

/// <summary>A checked chat completion request: one <see cref="ChatCall"/> per choice, and how to answer.</summary>
internal sealed record ChatCompletionPlan(IReadOnlyList<ChatCall> Calls, bool Stream, bool IncludeUsage, bool Logprobs);

/// <summary>
/// Turns a <see cref="CreateChatCompletionRequest"/> into calls of the <see cref="InferenceService"/>: roles and
/// content parts into template messages, tools and tool_choice into the tools the template sees, response_format into
/// an <see cref="OutputFormat"/>, the sampling fields into engine options. Every refusal names its field.
/// </summary>
internal static class ChatCompletionMapping
{
    /// <summary>Checks <paramref name="request"/> and builds the plan; a library model's <paramref name="modelParameters"/> fill in what the request leaves out.</summary>
    /// <exception cref="OpenAiRequestException">a field is missing, of the wrong shape or out of range.</exception>
    public static ChatCompletionPlan ToPlan(CreateChatCompletionRequest request, System.Text.Json.Nodes.JsonObject? modelParameters = null)
    {
        if (string.IsNullOrWhiteSpace(request.Model))
            throw new OpenAiRequestException("You must provide a model parameter.", "model");
        if (request.Messages is null)
            throw new OpenAiRequestException("Missing required parameter: 'messages'.", "messages");
        if (request.Messages.Count == 0)
            throw new OpenAiRequestException("Invalid 'messages': empty array. Expected an array with at least one message.", "messages");

        var messages = Messages(request.Messages);
        IReadOnlyList<JsonNode>? tools;
        bool forceCall;
        try
        {
            (tools, forceCall) = ToolChoice.Apply(Tools(request.Tools), request.ToolChoice);
        }
        catch (ToolChoiceException e)
        {
            throw new OpenAiRequestException(e.Message, e.Param);
        }
        var format = Format(request.ResponseFormat);
        var choices = OpenAiOptions.Choices(request.N);
        var maxTokens = request.MaxCompletionTokens is not null
            ? OpenAiOptions.MaxTokens(request.MaxCompletionTokens, "max_completion_tokens")
            : OpenAiOptions.MaxTokens(request.MaxTokens, "max_tokens");
        var topLogprobs = TopLogprobs(request.Logprobs, request.TopLogprobs);
        var think = Think(request.ReasoningEffort);
        var sampling = new OpenAiOptions.Sampling(request.Temperature, request.TopP, request.PresencePenalty,
            request.FrequencyPenalty, request.Seed, request.LogitBias, request.Stop, maxTokens, request.MaxTokens is not null || request.MaxCompletionTokens is not null);

        var calls = Enumerable.Range(0, choices).Select(i => new ChatCall
        {
            Model = request.Model,
            Messages = messages,
            Tools = tools,
            RequireToolCall = forceCall,
            Format = format,
            Think = think,
            TopLogprobs = topLogprobs,
            Options = OpenAiOptions.Build(sampling, i, modelParameters),
            ContextLength = OpenAiOptions.ContextLength(modelParameters),
        }).ToList();
        var stream = request.Stream == true;
        return new ChatCompletionPlan(calls, stream, stream && request.StreamOptions?.IncludeUsage == true, topLogprobs >= 0);
    }

    private static List<ChatMessage> Messages(List<ChatCompletionRequestMessage?> input)
    {
        var messages = new List<ChatMessage>(input.Count);
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal); // tool call id → function name
        for (var i = 0; i < input.Count; i++)
        {
            var param = $"messages[{i}]";
            var m = input[i] ?? throw new OpenAiRequestException($"Invalid type for '{param}': expected an object, but got null instead.", param);
            var role = m.Role ?? throw new OpenAiRequestException($"Missing required parameter: '{param}.role'.", $"{param}.role");
            switch (role)
            {
                case "system" or "developer" or "user":
                    // Chat templates know "system"; OpenAI's newer "developer" role means the same to them.
                    messages.Add(new ChatMessage(role == "developer" ? "system" : role,
                        Text(m.Content, $"{param}.content") ?? throw MissingContent(param)));
                    break;
                case "assistant":
                    var calls = AssistantToolCalls(m.ToolCalls, param);
                    foreach (var c in calls ?? []) callNames[c.Id] = c.Name;
                    var content = Text(m.Content, $"{param}.content");
                    if (content is null && calls is null) throw MissingContent(param);
                    messages.Add(new ChatMessage("assistant", content) { ToolCalls = calls, ReasoningContent = m.ReasoningContent });
                    break;
                case "tool" or "function":
                    // A tool result; the deprecated "function" role carries the function's name instead of a call id.
                    var id = m.ToolCallId;
                    if (role == "tool" && string.IsNullOrEmpty(id))
                        throw new OpenAiRequestException($"Missing required parameter: '{param}.tool_call_id'.", $"{param}.tool_call_id");
                    var name = m.Name ?? (id is not null && callNames.TryGetValue(id, out var n) ? n : null);
                    messages.Add(new ChatMessage("tool", Text(m.Content, $"{param}.content") ?? throw MissingContent(param)) { ToolCallId = id, Name = name });
                    break;
                default:
                    throw new OpenAiRequestException(
                        $"Invalid value for '{param}.role': '{role}'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.", $"{param}.role");
            }
        }
        return messages;
    }

    private static OpenAiRequestException MissingContent(string param) =>
        new($"Missing required parameter: '{param}.content'.", $"{param}.content");

    /// <summary>A message's text: a string, or the text parts of an array concatenated; null when absent.</summary>
    private static string? Text(JsonElement? content, string param)
    {
        if (content is not { } c || c.ValueKind == JsonValueKind.Null) return null;
        if (c.ValueKind == JsonValueKind.String) return c.GetString();
        if (c.ValueKind != JsonValueKind.Array)
            throw new OpenAiRequestException($"Invalid type for '{param}': expected a string or an array of content parts, but got {OpenAiJson.Describe(c)} instead.", param);
        var text = new StringBuilder();
        var j = 0;
        foreach (var part in c.EnumerateArray())
        {
            var partParam = $"{param}[{j++}]";
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw new OpenAiRequestException($"Invalid '{partParam}': a content part is an object with a 'type'.", partParam);
            switch (type.GetString())
            {
                case "text":
                    if (!part.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
                        throw new OpenAiRequestException($"Missing required parameter: '{partParam}.text'.", $"{partParam}.text");
                    text.Append(t.GetString());
                    break;
                case "image_url" or "input_image" or "image":
                    throw new OpenAiRequestException("Invalid content part: images are not supported by this model.", partParam, "unsupported_content");
                default:
                    throw new OpenAiRequestException(
                        $"Invalid content part: type '{type.GetString()}' is not supported; send text parts.", $"{partParam}.type", "unsupported_content");
            }
        }
        return text.ToString();
    }

    private static List<ChatToolCall>? AssistantToolCalls(List<ChatCompletionMessageToolCall?>? input, string param)
    {
        if (input is null || input.Count == 0) return null;
        var calls = new List<ChatToolCall>(input.Count);
        for (var j = 0; j < input.Count; j++)
        {
            var p = $"{param}.tool_calls[{j}]";
            var fn = input[j]?.Function ?? throw new OpenAiRequestException($"Missing required parameter: '{p}.function'.", $"{p}.function");
            if (string.IsNullOrEmpty(fn.Name)) throw new OpenAiRequestException($"Missing required parameter: '{p}.function.name'.", $"{p}.function.name");
            calls.Add(new ChatToolCall(input[j]!.Id ?? $"call_{j}", fn.Name, Arguments(fn.Arguments, $"{p}.function.arguments")));
        }
        return calls;
    }

    /// <summary>Arguments as OpenAI sends them (a string of JSON), or the object itself as some clients do.</summary>
    private static JsonNode? Arguments(JsonElement? arguments, string param)
    {
        if (arguments is not { } a || a.ValueKind == JsonValueKind.Null) return new JsonObject();
        if (a.ValueKind == JsonValueKind.Object) return JsonNode.Parse(a.GetRawText());
        if (a.ValueKind != JsonValueKind.String)
            throw new OpenAiRequestException($"Invalid type for '{param}': expected a string of JSON, but got {OpenAiJson.Describe(a)} instead.", param);
        var text = a.GetString()!;
        if (string.IsNullOrWhiteSpace(text)) return new JsonObject();
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new OpenAiRequestException($"Invalid '{param}': the arguments are not valid JSON ({e.Message}).", param);
        }
    }

    /// <summary>The request's tools, checked: each must be a function with a name (tool_choice then picks among them).</summary>
    private static List<JsonNode> Tools(List<JsonNode?>? input)
    {
        var tools = new List<JsonNode>();
        for (var i = 0; i < (input?.Count ?? 0); i++)
        {
            var p = $"tools[{i}]";
            if (input![i] is not JsonObject tool)
                throw new OpenAiRequestException($"Invalid type for '{p}': expected an object.", p);
            if (StringOf(tool["type"]) is not "function")
                throw new OpenAiRequestException($"Invalid value for '{p}.type': only 'function' tools are supported.", $"{p}.type");
            if (tool["function"] is not JsonObject fn || string.IsNullOrEmpty(StringOf(fn["name"])))
                throw new OpenAiRequestException($"Missing required parameter: '{p}.function.name'.", $"{p}.function.name");
            tools.Add(tool);
        }
        return tools;
    }

    private static string? StringOf(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static OutputFormat? Format(ResponseFormat? format)
    {
        switch (format?.Type)
        {
            case null when format is null:
            case "text":
                return null;
            case "json_object":
                return new OutputFormat.Json();
            case "json_schema":
                var schema = format.JsonSchema
                    ?? throw new OpenAiRequestException("Missing required parameter: 'response_format.json_schema'.", "response_format.json_schema");
                if (schema.Schema is null) return new OutputFormat.Json();
                if (schema.Schema is not JsonObject)
                    throw new OpenAiRequestException("Invalid type for 'response_format.json_schema.schema': expected a JSON Schema object.", "response_format.json_schema.schema");
                return new OutputFormat.JsonSchema(schema.Schema);
            case null:
                throw new OpenAiRequestException("Missing required parameter: 'response_format.type'.", "response_format.type");
            default:
                throw new OpenAiRequestException(
                    $"Invalid value for 'response_format.type': '{format.Type}'. Supported values are: 'text', 'json_object' and 'json_schema'.", "response_format.type");
        }
    }

    /// <summary>-1 without logprobs; else how many alternatives (0..20) to report per token.</summary>
    private static int TopLogprobs(bool? logprobs, int? top)
    {
        if (top is < 0 or > 20)
            throw new OpenAiRequestException($"Invalid 'top_logprobs': expected a value between 0 and 20, but got {top} instead.", "top_logprobs");
        if (logprobs != true)
        {
            if (top is not null)
                throw new OpenAiRequestException("Invalid 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.", "top_logprobs");
            return -1;
        }
        return top ?? 0;
    }

    private static bool? Think(string? effort) => effort switch
    {
        null => null,
        "none" or "minimal" => false,
        "low" or "medium" or "high" => true,
        _ => throw new OpenAiRequestException(
            $"Invalid value for 'reasoning_effort': '{effort}'. Supported values are: 'none', 'minimal', 'low', 'medium' and 'high'.", "reasoning_effort"),
    };
}
