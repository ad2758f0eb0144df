using System.Collections;
using System.Globalization;
using System.Text;

namespace Takase.Library.GoTemplates;

/// <summary>One field of a <see cref="GoStruct"/>: the template name, the JSON name, the value, and json's omitempty.</summary>
public readonly record struct GoField(string Name, string JsonName, object? Value, bool OmitEmpty = false);

/// <summary>
/// A value that templates see as a Go struct: fields by name (<c>.Role</c>), JSON in declaration order with omitempty,
/// and — when <see cref="PrintsAsJson"/> — printed as its JSON, like Ollama's types with a String() method.
/// Template values are otherwise null, string, bool, long, double, lists, maps (<see cref="IReadOnlyDictionary{TKey,TValue}"/>,
/// sorted like Go maps) and <see cref="GoOrderedMap"/>.
/// </summary>
public abstract record GoStruct
{
    /// <summary>The Go type name for error messages (e.g. "api.Message").</summary>
    public abstract string GoTypeName { get; }

    /// <summary>The fields in declaration order.</summary>
    public abstract IEnumerable<GoField> Fields();

    /// <summary>Whether {{ . }} prints this value's JSON (Ollama's Tool, ToolFunction … have String() methods that do).</summary>
    public virtual bool PrintsAsJson => false;

    /// <summary>Looks a field up by its template name.</summary>
    public bool TryGetField(string name, out object? value)
    {
        foreach (var f in Fields())
            if (f.Name == name)
            {
                value = f.Value;
                return true;
            }
        value = null;
        return false;
    }
}

/// <summary>A string-keyed map that keeps insertion order (Ollama's orderedmap: tool-call arguments, tool properties).</summary>
public sealed class GoOrderedMap : IEnumerable<KeyValuePair<string, object?>>
{
    private readonly List<KeyValuePair<string, object?>> _entries = [];

    /// <summary>Number of entries.</summary>
    public int Count => _entries.Count;

    /// <summary>Sets a key (replacing in place when present, else appending).</summary>
    public void Set(string key, object? value)
    {
        for (var i = 0; i < _entries.Count; i++)
            if (_entries[i].Key == key)
            {
                _entries[i] = new(key, value);
                return;
            }
        _entries.Add(new(key, value));
    }

    /// <summary>Gets a value by key.</summary>
    public bool TryGetValue(string key, out object? value)
    {
        foreach (var e in _entries)
            if (e.Key == key)
            {
                value = e.Value;
                return true;
            }
        value = null;
        return false;
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The JSON text (how Ollama prints it in a template).</summary>
    public override string ToString() => GoValue.ToJson(this) ?? "{}";
}

/// <summary>Go semantics for template values: truth, printing (fmt's %v), JSON, type names.</summary>
internal static class GoValue
{
    /// <summary>text/template's truth: false, 0, nil, and empty strings, lists and maps are false; structs are true.</summary>
    public static bool IsTrue(object? v) => v switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        int i => i != 0,
        double d => d != 0,
        float f => f != 0,
        string s => s.Length > 0,
        GoOrderedMap m => m.Count > 0,
        IDictionary<string, object?> d => d.Count > 0,
        IReadOnlyDictionary<string, object?> d => d.Count > 0,
        ICollection c => c.Count > 0,
        IReadOnlyCollection<object?> c => c.Count > 0,
        _ => true,
    };

    public static string TypeName(object? v) => v switch
    {
        null => "nil",
        string => "string",
        bool => "bool",
        long or int => "int",
        double => "float64",
        float => "float32",
        GoStruct s => s.GoTypeName,
        GoOrderedMap => "orderedmap.Map",
        IReadOnlyDictionary<string, object?> => "map[string]interface {}",
        _ when AsList(v) is not null => "[]interface {}",
        _ => v.GetType().Name,
    };

    /// <summary>A list view of slice-like values, or null.</summary>
    public static IReadOnlyList<object?>? AsList(object? v) => v switch
    {
        string => null,
        IReadOnlyList<object?> l => l,
        IList l => l.Cast<object?>().ToList(),
        _ => null,
    };

    /// <summary>A Go map's entries in Go's order (sorted keys), or null when not a map.</summary>
    public static IEnumerable<KeyValuePair<string, object?>>? AsMapEntries(object? v) => v switch
    {
        GoOrderedMap m => m,
        IReadOnlyDictionary<string, object?> d => d.OrderBy(e => e.Key, StringComparer.Ordinal),
        _ => null,
    };

    /// <summary>fmt's %v: how an action prints a value. Missing values print as Go's "&lt;no value&gt;".</summary>
    public static string Print(object? v)
    {
        var sb = new StringBuilder();
        AppendPrint(sb, v, top: true);
        return sb.ToString();
    }

    private static void AppendPrint(StringBuilder sb, object? v, bool top)
    {
        switch (v)
        {
            case null: sb.Append(top ? "<no value>" : "<nil>"); break;
            case string s: sb.Append(s); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long or int: sb.Append(Convert.ToInt64(v, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(FormatG(d)); break;
            case float f: sb.Append(FormatG(f, f.ToString("R", CultureInfo.InvariantCulture))); break;
            case GoStruct s when s.PrintsAsJson: sb.Append(ToJson(s) ?? ""); break;
            case GoOrderedMap m: sb.Append(ToJson(m) ?? "{}"); break;
            case GoStruct s:
                {
                    sb.Append('{');
                    var first = true;
                    foreach (var f in s.Fields())
                    {
                        if (!first) sb.Append(' ');
                        first = false;
                        AppendPrint(sb, f.Value, top: false);
                    }
                    sb.Append('}');
                    break;
                }
            default:
                if (AsMapEntries(v) is { } entries)
                {
                    sb.Append("map[");
                    var first = true;
                    foreach (var (k, value) in entries)
                    {
                        if (!first) sb.Append(' ');
                        first = false;
                        sb.Append(k).Append(':');
                        AppendPrint(sb, value, top: false);
                    }
                    sb.Append(']');
                }
                else if (AsList(v) is { } list)
                {
                    sb.Append('[');
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (i > 0) sb.Append(' ');
                        AppendPrint(sb, list[i], top: false);
                    }
                    sb.Append(']');
                }
                else sb.Append(v);
                break;
        }
    }

    /// <summary>%v (= %g, shortest) of a float: Go's strconv switches to "1e+06" form when the exponent is below -4 or at least 6.</summary>
    public static string FormatG(double d, string? roundTrip = null)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsPositiveInfinity(d)) return "+Inf";
        if (double.IsNegativeInfinity(d)) return "-Inf";
        var (negative, digits, point) = GoFloatDigits.Decompose(roundTrip ?? d.ToString("R", CultureInfo.InvariantCulture));
        var exp = point - 1;
        var text = digits != "0" && (exp < -4 || exp >= 6)
            ? GoFloatDigits.Exponential(digits, point, minExponentDigits: 2)
            : GoFloatDigits.Plain(digits, point);
        return negative ? "-" + text : text;
    }

    /// <summary>json.Marshal of a template value (HTML-escaped, as Marshal always is); null when Go would fail (NaN, ±Inf, unknown types).</summary>
    public static string? ToJson(object? v)
    {
        var sb = new StringBuilder();
        return TryAppendJson(sb, v) ? sb.ToString() : null;
    }

    private static bool TryAppendJson(StringBuilder sb, object? v)
    {
        switch (v)
        {
            case null: sb.Append("null"); return true;
            case string s: GoJson.AppendString(sb, s); return true;
            case bool b: sb.Append(b ? "true" : "false"); return true;
            case long or int: sb.Append(Convert.ToInt64(v, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)); return true;
            case double d:
                if (!double.IsFinite(d)) return false;
                sb.Append(GoJson.FormatFloat64(d));
                return true;
            case float f:
                if (!float.IsFinite(f)) return false;
                sb.Append(GoJson.FormatFloat32(f));
                return true;
            case GoStruct s:
                {
                    sb.Append('{');
                    var first = true;
                    foreach (var f in s.Fields())
                    {
                        if (f.OmitEmpty && IsEmpty(f.Value)) continue;
                        if (!first) sb.Append(',');
                        first = false;
                        GoJson.AppendString(sb, f.JsonName);
                        sb.Append(':');
                        if (!TryAppendJson(sb, f.Value)) return false;
                    }
                    sb.Append('}');
                    return true;
                }
        }
        if (AsMapEntries(v) is { } entries)
        {
            sb.Append('{');
            var first = true;
            foreach (var (k, value) in entries)
            {
                if (!first) sb.Append(',');
                first = false;
                GoJson.AppendString(sb, k);
                sb.Append(':');
                if (!TryAppendJson(sb, value)) return false;
            }
            sb.Append('}');
            return true;
        }
        if (AsList(v) is { } list)
        {
            sb.Append('[');
            for (var i = 0; i < list.Count; i++)
            {
                if (i > 0) sb.Append(',');
                if (!TryAppendJson(sb, list[i])) return false;
            }
            sb.Append(']');
            return true;
        }
        return false;
    }

    /// <summary>encoding/json's omitempty test: false, 0, "", nil, and empty lists and maps (structs are never empty).</summary>
    private static bool IsEmpty(object? v) => v is not GoStruct && !IsTrue(v);
}
