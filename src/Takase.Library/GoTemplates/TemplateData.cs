using System.Text.Json.Nodes;

namespace Takase.Library.GoTemplates;

/// <summary>
/// A chat message as Ollama's templates see it (api.Message): <c>.Role</c>, <c>.Content</c>, <c>.Thinking</c>,
/// <c>.ToolCalls</c>, <c>.ToolName</c>, <c>.ToolCallID</c>.
/// </summary>
/// <param name="Role">system, user, assistant or tool.</param>
/// <param name="Content">The text.</param>
public sealed record TemplateMessage(string Role, string Content) : GoStruct
{
    /// <summary>An assistant's reasoning text (templates of thinking models re-insert it).</summary>
    public string Thinking { get; init; } = "";

    /// <summary>Tool calls an assistant message made.</summary>
    public IReadOnlyList<TemplateToolCall> ToolCalls { get; init; } = [];

    /// <summary>For a tool result: the name of the tool that produced it.</summary>
    public string ToolName { get; init; } = "";

    /// <summary>For a tool result: the id of the call it answers.</summary>
    public string ToolCallId { get; init; } = "";

    /// <inheritdoc />
    public override string GoTypeName => "*api.Message";

    /// <inheritdoc />
    public override IEnumerable<GoField> Fields()
    {
        yield return new("Role", "role", Role);
        yield return new("Content", "content", Content);
        yield return new("Thinking", "thinking", Thinking, OmitEmpty: true);
        yield return new("ToolCalls", "tool_calls", ToolCalls.Count == 0 ? null : ToolCalls, OmitEmpty: true);
        yield return new("ToolName", "tool_name", ToolName, OmitEmpty: true);
        yield return new("ToolCallID", "tool_call_id", ToolCallId, OmitEmpty: true);
    }

    /// <inheritdoc />
    public bool Equals(TemplateMessage? other) =>
        other is not null && Role == other.Role && Content == other.Content && Thinking == other.Thinking
        && ToolName == other.ToolName && ToolCallId == other.ToolCallId && ToolCalls.SequenceEqual(other.ToolCalls);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Role, Content);
}

/// <summary>A tool call (api.ToolCall): <c>.ID</c> and <c>.Function</c>.</summary>
/// <param name="Function">The function called and its arguments.</param>
public sealed record TemplateToolCall(TemplateToolCallFunction Function) : GoStruct
{
    /// <summary>The call id ("" when the model gave none).</summary>
    public string Id { get; init; } = "";

    /// <inheritdoc />
    public override string GoTypeName => "api.ToolCall";

    /// <inheritdoc />
    public override IEnumerable<GoField> Fields()
    {
        yield return new("ID", "id", Id, OmitEmpty: true);
        yield return new("Function", "function", Function);
    }
}

/// <summary>The function part of a tool call (api.ToolCallFunction): <c>.Index</c>, <c>.Name</c>, <c>.Arguments</c> (prints as JSON, keys in the order given).</summary>
/// <param name="Name">The function name.</param>
/// <param name="Arguments">The arguments object, in the order the model wrote them.</param>
public sealed record TemplateToolCallFunction(string Name, GoOrderedMap Arguments) : GoStruct
{
    /// <summary>Position of the call among the message's calls.</summary>
    public long Index { get; init; }

    /// <inheritdoc />
    public override string GoTypeName => "api.ToolCallFunction";

    /// <inheritdoc />
    public override IEnumerable<GoField> Fields()
    {
        yield return new("Index", "index", Index);
        yield return new("Name", "name", Name);
        yield return new("Arguments", "arguments", Arguments);
    }

    /// <summary>A call from an arguments JSON object (nested objects become Go maps, numbers float64, as Ollama decodes them).</summary>
    public static TemplateToolCallFunction FromJson(string name, JsonObject? arguments, long index = 0)
    {
        var map = new GoOrderedMap();
        if (arguments is not null)
            foreach (var (k, v) in arguments) map.Set(k, TemplateJson.ToValue(v));
        return new TemplateToolCallFunction(name, map) { Index = index };
    }
}

/// <summary>
/// A tool definition as Ollama's templates see it (api.Tool): <c>.Type</c>, <c>.Function.Name</c>, <c>.Function.Description</c>,
/// <c>.Function.Parameters</c>; printing a tool, its function or parameters gives Ollama's JSON for it.
/// </summary>
public sealed record TemplateTool : GoStruct
{
    /// <summary>"function".</summary>
    public string Type { get; init; } = "function";

    /// <summary>Items (rarely used; any JSON value).</summary>
    public object? Items { get; init; }

    /// <summary>The function definition.</summary>
    public required GoStruct Function { get; init; }

    /// <inheritdoc />
    public override string GoTypeName => "api.Tool";

    /// <inheritdoc />
    public override bool PrintsAsJson => true;

    /// <inheritdoc />
    public override IEnumerable<GoField> Fields()
    {
        yield return new("Type", "type", Type);
        yield return new("Items", "items", Items, OmitEmpty: true);
        yield return new("Function", "function", Function);
    }

    /// <summary>
    /// A tool from its wire JSON (<c>{"type":"function","function":{"name":…,"description":…,"parameters":{…}}}</c>), laid out in
    /// Ollama's struct order so {{ json . }} and {{ . }} print what Ollama prints.
    /// </summary>
    public static TemplateTool FromJson(JsonNode tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var fn = tool["function"] as JsonObject ?? throw new ArgumentException("a tool needs a \"function\" object", nameof(tool));
        var parameters = fn["parameters"] as JsonObject;
        return new TemplateTool
        {
            Type = (string?)tool["type"] ?? "function",
            Items = TemplateJson.ToValue(tool["items"]),
            Function = new JsonStruct("api.ToolFunction",
            [
                new("Name", "name", (string?)fn["name"] ?? ""),
                new("Description", "description", (string?)fn["description"] ?? "", OmitEmpty: true),
                new("Parameters", "parameters", new JsonStruct("api.ToolFunctionParameters",
                [
                    new("Type", "type", (string?)parameters?["type"] ?? ""),
                    new("Defs", "$defs", TemplateJson.ToValue(parameters?["$defs"]), OmitEmpty: true),
                    new("Items", "items", TemplateJson.ToValue(parameters?["items"]), OmitEmpty: true),
                    new("Required", "required", TemplateJson.ToValue(parameters?["required"]), OmitEmpty: true),
                    new("Properties", "properties", Properties(parameters?["properties"] as JsonObject)),
                ])),
            ]),
        };
    }

    private static GoOrderedMap? Properties(JsonObject? properties)
    {
        if (properties is null) return null;
        var map = new GoOrderedMap();
        foreach (var (name, p) in properties) map.Set(name, Property(p as JsonObject));
        return map;
    }

    private static JsonStruct Property(JsonObject? p)
    {
        // PropertyType prints a single type as a string and several as an array.
        object? type = p?["type"] switch
        {
            JsonArray a when a.Count == 1 => (string?)a[0],
            JsonArray a => a.Select(t => (object?)(string?)t).ToList(),
            JsonValue v => (string?)v,
            _ => null,
        };
        var anyOf = p?["anyOf"] is JsonArray options ? options.Select(o => (object?)Property(o as JsonObject)).ToList() : null;
        return new JsonStruct("api.ToolProperty",
        [
            new("AnyOf", "anyOf", anyOf, OmitEmpty: true),
            new("Type", "type", type, OmitEmpty: true),
            new("Items", "items", TemplateJson.ToValue(p?["items"]), OmitEmpty: true),
            new("Description", "description", (string?)p?["description"] ?? "", OmitEmpty: true),
            new("Enum", "enum", TemplateJson.ToValue(p?["enum"]), OmitEmpty: true),
            new("Properties", "properties", Properties(p?["properties"] as JsonObject), OmitEmpty: true),
        ]);
    }

    /// <summary>A struct given as a fixed field list (Ollama's tool types; they all print as JSON).</summary>
    private sealed record JsonStruct(string TypeName, GoField[] FieldList) : GoStruct
    {
        public override string GoTypeName => TypeName;
        public override bool PrintsAsJson => true;
        public override IEnumerable<GoField> Fields() => FieldList;
    }
}

/// <summary>JSON values as Ollama's Go code holds them after decoding: objects → maps (sorted when printed), numbers → float64.</summary>
public static class TemplateJson
{
    /// <summary>Converts a JSON node to a template value.</summary>
    public static object? ToValue(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(e => e.Key, e => ToValue(e.Value), StringComparer.Ordinal),
        JsonArray a => a.Select(ToValue).ToList(),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        _ => node.GetValue<double>(),
    };
}
