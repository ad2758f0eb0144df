using System.Text.Json;
using System.Text.Json.Nodes;

namespace Takase.Server.Inference;

/// <summary>
/// Finds function calls in a model's answer, in the formats the common templates teach: Hermes/Qwen
/// <c>&lt;tool_call&gt;{"name": …, "arguments": …}&lt;/tool_call&gt;</c>, Llama 3.x JSON
/// (<c>{"name": …, "parameters": …}</c>, optionally after &lt;|python_tag|&gt;), Mistral
/// <c>[TOOL_CALLS][{…}]</c>, and a bare JSON object or array of such objects. Text that is not a call stays text.
/// </summary>
public static class ToolCallParser
{
    internal static readonly string[] Markers = ["<tool_call>", "[TOOL_CALLS]", "<|python_tag|>"];

    /// <summary>Parses calls from <paramref name="text"/>; returns the calls and the text around them.</summary>
    public static (IReadOnlyList<ToolCall> Calls, string Remainder) Parse(string text, IReadOnlySet<string>? knownTools = null)
    {
        var calls = new List<ToolCall>();
        var remainder = new System.Text.StringBuilder();
        var s = text;
        // Hermes / Qwen: any number of tagged calls.
        if (s.Contains("<tool_call>", StringComparison.Ordinal))
        {
            var pos = 0;
            while (true)
            {
                var start = s.IndexOf("<tool_call>", pos, StringComparison.Ordinal);
                if (start < 0) { remainder.Append(s[pos..]); break; }
                remainder.Append(s[pos..start]);
                var bodyStart = start + "<tool_call>".Length;
                var end = s.IndexOf("</tool_call>", bodyStart, StringComparison.Ordinal);
                var body = end < 0 ? s[bodyStart..] : s[bodyStart..end];
                if (!AddCalls(body, calls, knownTools)) remainder.Append(s[start..(end < 0 ? s.Length : end + "</tool_call>".Length)]);
                if (end < 0) break;
                pos = end + "</tool_call>".Length;
            }
            return (calls, remainder.ToString().Trim());
        }
        var trimmed = s.Trim();
        foreach (var prefix in new[] { "[TOOL_CALLS]", "<|python_tag|>" })
            if (trimmed.StartsWith(prefix, StringComparison.Ordinal)) trimmed = trimmed[prefix.Length..].Trim();
        if (trimmed.Length > 0 && trimmed[0] is '{' or '[' && AddCalls(trimmed, calls, knownTools))
            return (calls, "");
        return ([], text);
    }

    private static bool AddCalls(string json, List<ToolCall> calls, IReadOnlySet<string>? knownTools)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json.Trim(), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException)
        {
            return false;
        }
        var items = node switch
        {
            JsonArray a => a.ToList(),
            JsonObject o => [o],
            _ => [],
        };
        var found = new List<ToolCall>();
        foreach (var item in items)
        {
            if (item is not JsonObject o) return false;
            var fn = o["function"] as JsonObject ?? o;
            if (fn["name"] is not JsonValue nameValue || !nameValue.TryGetValue<string>(out var name)) return false;
            if (knownTools is not null && knownTools.Count > 0 && !knownTools.Contains(name)) return false;
            var args = fn["arguments"] ?? fn["parameters"];
            // Some models send the arguments as a JSON string; clients expect an object.
            if (args is JsonValue v && v.TryGetValue<string>(out var str))
            {
                try { args = JsonNode.Parse(str); } catch (JsonException) { return false; }
            }
            var argsObject = args as JsonObject ?? (args is null ? new JsonObject() : null);
            if (argsObject is null) return false;
            found.Add(new ToolCall($"call_{Guid.NewGuid():N}"[..29], name, (JsonObject)argsObject.DeepClone(), calls.Count + found.Count));
        }
        if (found.Count == 0) return false;
        calls.AddRange(found);
        return true;
    }
}

/// <summary>
/// Streams an answer while watching for tool calls: text is passed through until something that may be a call
/// appears (a call marker, or JSON at the very start of the answer); from there it is held back and parsed at the
/// end. Held text that turns out not to be a call is released.
/// </summary>
public sealed class ToolCallDetector(IReadOnlySet<string>? knownTools)
{
    private readonly System.Text.StringBuilder _held = new();
    private bool _answerStarted;
    private bool _committed; // the held text is a call attempt (marker seen, or JSON from the start)

    /// <summary>Feeds answer text; returns what can be shown now.</summary>
    public string Append(string text)
    {
        if (text.Length == 0) return "";
        if (_committed) { _held.Append(text); return ""; }
        _held.Append(text);
        var s = _held.ToString();
        if (!_answerStarted)
        {
            var trimmed = s.TrimStart();
            if (trimmed.Length == 0) return "";
            if (trimmed[0] is '{' or '[' || ToolCallParser.Markers.Any(m => trimmed.StartsWith(m, StringComparison.Ordinal)))
            {
                _committed = true;
                return "";
            }
            if (ToolCallParser.Markers.Any(m => m.StartsWith(trimmed, StringComparison.Ordinal))) return "";
            _answerStarted = true;
        }
        foreach (var m in ToolCallParser.Markers)
        {
            var at = s.IndexOf(m, StringComparison.Ordinal);
            if (at < 0) continue;
            _committed = true;
            _held.Remove(0, at);
            return s[..at];
        }
        // Keep back only a tail that could still grow into a marker.
        var keep = 0;
        foreach (var m in ToolCallParser.Markers)
            for (var n = Math.Min(m.Length - 1, s.Length); n > keep; n--)
                if (s.EndsWith(m[..n], StringComparison.Ordinal)) { keep = n; break; }
        _held.Remove(0, s.Length - keep);
        return s[..^keep];
    }

    /// <summary>At the end: the calls found and the text that is left to show.</summary>
    public (IReadOnlyList<ToolCall> Calls, string Text) Finish()
    {
        var s = _held.ToString();
        _held.Clear();
        if (!_committed) return ([], s);
        var (calls, remainder) = ToolCallParser.Parse(s, knownTools);
        return calls.Count > 0 ? (calls, remainder) : ([], s);
    }
}
