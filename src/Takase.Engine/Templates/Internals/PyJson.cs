using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Takase.Engine.Templates.Internals;

/// <summary>
/// Python's json module as templates see it: <see cref="Dumps"/> is json.dumps (HF's tojson filter calls it with
/// ensure_ascii=False, so non-ASCII and &lt;&gt;&amp;' stay as they are), <see cref="FromNode"/> is json.loads' value model.
/// </summary>
internal static class PyJson
{
    /// <summary>json.dumps(value, ensure_ascii, indent, separators, sort_keys).</summary>
    public static string Dumps(object? value, bool ensureAscii, string? indent, string itemSeparator, string keySeparator, bool sortKeys)
    {
        var sb = new StringBuilder();
        Write(sb, value, new Options(ensureAscii, indent, itemSeparator, keySeparator, sortKeys), 0);
        return sb.ToString();
    }

    private sealed record Options(bool EnsureAscii, string? Indent, string ItemSeparator, string KeySeparator, bool SortKeys);

    private static void Write(StringBuilder sb, object? v, Options o, int level)
    {
        switch (v)
        {
            case null:
                sb.Append("null");
                return;
            case bool b:
                sb.Append(b ? "true" : "false");
                return;
            case long l:
                sb.Append(l.ToString(CultureInfo.InvariantCulture));
                return;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : PyRepr.Float(d));
                return;
            case string s:
                WriteString(sb, s, o.EnsureAscii);
                return;
            case Markup m:
                WriteString(sb, m.Value, o.EnsureAscii);
                return;
            case IReadOnlyList<object?> list:
                if (list.Count == 0)
                {
                    sb.Append("[]");
                    return;
                }
                sb.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(o.ItemSeparator);
                    NewLine(sb, o, level + 1);
                    Write(sb, list[i], o, level + 1);
                }
                NewLine(sb, o, level);
                sb.Append(']');
                return;
            case IReadOnlyDictionary<string, object?> dict:
                if (dict.Count == 0)
                {
                    sb.Append("{}");
                    return;
                }
                sb.Append('{');
                var entries = new Mapping(dict).Pairs;
                if (o.SortKeys) entries = Filters.StableSort(entries.Select(e => (object?)e), e => ((KeyValuePair<object?, object?>)e!).Key, false)
                    .Select(e => (KeyValuePair<object?, object?>)e!);
                var first = true;
                foreach (var (key, value) in entries)
                {
                    if (!first) sb.Append(o.ItemSeparator);
                    first = false;
                    NewLine(sb, o, level + 1);
                    WriteString(sb, JsonKey(key), o.EnsureAscii);
                    sb.Append(o.KeySeparator);
                    Write(sb, value, o, level + 1);
                }
                NewLine(sb, o, level);
                sb.Append('}');
                return;
            default:
                throw new TemplateException(TemplateErrorKind.Type, $"Object of type {Py.TypeName(v)} is not JSON serializable");
        }
    }

    // json.dumps converts int, float, bool and None keys to their JSON text; anything else is a TypeError.
    private static string JsonKey(object? key) => key switch
    {
        string s => s,
        Markup m => m.Value,
        bool b => b ? "true" : "false",
        null => "null",
        long or double => Dumps(key, false, null, "", "", false),
        _ => throw new TemplateException(TemplateErrorKind.Type, $"keys must be str, int, float, bool or None, not {Py.TypeName(key)}"),
    };

    private static void NewLine(StringBuilder sb, Options o, int level)
    {
        if (o.Indent is null) return;
        sb.Append('\n');
        for (var i = 0; i < level; i++) sb.Append(o.Indent);
    }

    private static void WriteString(StringBuilder sb, string s, bool ensureAscii)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case '\b':
                    sb.Append("\\b");
                    break;
                case '\f':
                    sb.Append("\\f");
                    break;
                default:
                    if (c < 0x20 || (ensureAscii && c > 0x7e))
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    /// <summary>JSON → template values: objects become insertion-ordered dicts, integers long, other numbers double.</summary>
    public static object? FromNode(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                var dict = new PyDict(obj.Count);
                foreach (var (key, value) in obj) dict[key] = FromNode(value);
                return dict;
            case JsonArray array:
                var list = new List<object?>(array.Count);
                foreach (var item in array) list.Add(FromNode(item));
                return list;
            case JsonValue value:
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String:
                        return value.GetValue<string>();
                    case JsonValueKind.True:
                        return true;
                    case JsonValueKind.False:
                        return false;
                    case JsonValueKind.Null:
                        return null;
                    case JsonValueKind.Number:
                        // Python's json.loads keeps "1" an int and "1.0" a float; decide from the literal text.
                        var text = value.ToJsonString();
                        if (text.AsSpan().IndexOfAny(".eE") < 0 && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                            return l;
                        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
                }
                break;
        }
        throw new ArgumentException($"Unsupported JSON node {node.GetType().Name}.", nameof(node));
    }
}
