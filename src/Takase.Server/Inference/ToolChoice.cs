using System.Text.Json;
using System.Text.Json.Nodes;

namespace Takase.Server.Inference;

/// <summary>
/// OpenAI's tool_choice, which Takase honours on both APIs (Ollama has no such field and ignores it in its
/// OpenAI layer): "none" hides the tools, "auto" (or absent) lets the model decide, "required" forces a call of one
/// of them, and {"type": "function", "function": {"name": …}} forces a call of that one.
/// </summary>
public static class ToolChoice
{
    /// <summary>The tools the template should see and whether a call is forced.</summary>
    /// <exception cref="ToolChoiceException">the choice is malformed or names no given tool.</exception>
    public static (IReadOnlyList<JsonNode>? Tools, bool Force) Apply(IReadOnlyList<JsonNode>? tools, JsonElement? choice)
    {
        var given = tools is { Count: > 0 } ? tools : null;
        if (choice is not { } c || c.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return (given, false);
        if (c.ValueKind == JsonValueKind.String)
        {
            return c.GetString() switch
            {
                "none" => (null, false),
                "auto" => (given, false),
                "required" => (given ?? throw NoTools(), true),
                var other => throw new ToolChoiceException($"Invalid value for 'tool_choice': '{other}'. Supported values are: 'none', 'auto', 'required' or a named function.", "tool_choice"),
            };
        }
        if (c.ValueKind == JsonValueKind.Object && c.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object
            && f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String)
        {
            if (given is null) throw NoTools();
            var wanted = n.GetString();
            var match = given.FirstOrDefault(t => (string?)(t["function"]?["name"]) == wanted)
                ?? throw new ToolChoiceException($"Invalid 'tool_choice': no tool named '{wanted}' is among the tools.", "tool_choice.function.name");
            return ([match], true);
        }
        throw new ToolChoiceException(
            "Invalid type for 'tool_choice': expected 'none', 'auto', 'required' or {\"type\": \"function\", \"function\": {\"name\": …}}.", "tool_choice");

        static ToolChoiceException NoTools() =>
            new("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", "tool_choice");
    }
}

/// <summary>A malformed tool_choice; <see cref="Param"/> names the field.</summary>
public sealed class ToolChoiceException(string message, string param) : ArgumentException(message)
{
    /// <summary>The offending field, e.g. "tool_choice.function.name".</summary>
    public string Param { get; } = param;
}
