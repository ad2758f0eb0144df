using System.Globalization;
using System.Text;
using Takase.Library.GoTemplates;

namespace Takase.Library.Modelfiles;

/// <summary>The JSON type a PARAMETER's value must have (Ollama's api.Options field types).</summary>
public enum ModelfileParameterType
{
    /// <summary>A whole number (Go int): num_ctx, seed, top_k …</summary>
    Int,
    /// <summary>A number (Go float32): temperature, top_p …</summary>
    Float,
    /// <summary>true/false as Go's strconv.ParseBool reads it (1, t, T, TRUE, true, True, 0, f, …).</summary>
    Bool,
    /// <summary>A string that may be given many times and accumulates into an array (stop).</summary>
    StringList,
}

/// <summary>One parameter Ollama knows: its name, type, and whether Ollama still applies it.</summary>
/// <param name="Name">The name as written after PARAMETER and stored in the params layer.</param>
/// <param name="Type">The value's type.</param>
/// <param name="Deprecated">Ollama accepts it with a warning and drops it (e.g. mirostat, penalize_newline).</param>
public sealed record ModelfileParameterInfo(string Name, ModelfileParameterType Type, bool Deprecated = false);

/// <summary>
/// The PARAMETER names Ollama accepts, their types, and the conversion to the params layer JSON Ollama stores
/// (<c>application/vnd.ollama.image.params</c>): numbers as numbers, bools as bools, stop as an array, keys sorted.
/// </summary>
public static class ModelfileParameters
{
    private static readonly ModelfileParameterInfo[] All =
    [
        // Runner options (fixed when the model loads).
        new("num_ctx", ModelfileParameterType.Int),
        new("num_batch", ModelfileParameterType.Int),
        new("num_gpu", ModelfileParameterType.Int),
        new("main_gpu", ModelfileParameterType.Int),
        new("use_mmap", ModelfileParameterType.Bool),
        new("num_thread", ModelfileParameterType.Int),
        // Prediction options.
        new("num_keep", ModelfileParameterType.Int),
        new("seed", ModelfileParameterType.Int),
        new("num_predict", ModelfileParameterType.Int),
        new("top_k", ModelfileParameterType.Int),
        new("top_p", ModelfileParameterType.Float),
        new("min_p", ModelfileParameterType.Float),
        new("typical_p", ModelfileParameterType.Float),
        new("repeat_last_n", ModelfileParameterType.Int),
        new("temperature", ModelfileParameterType.Float),
        new("repeat_penalty", ModelfileParameterType.Float),
        new("presence_penalty", ModelfileParameterType.Float),
        new("frequency_penalty", ModelfileParameterType.Float),
        new("stop", ModelfileParameterType.StringList),
        // Accepted by Ollama with a "deprecated" warning, then dropped; older Modelfiles still carry them.
        new("penalize_newline", ModelfileParameterType.Bool, Deprecated: true),
        new("low_vram", ModelfileParameterType.Bool, Deprecated: true),
        new("f16_kv", ModelfileParameterType.Bool, Deprecated: true),
        new("logits_all", ModelfileParameterType.Bool, Deprecated: true),
        new("vocab_only", ModelfileParameterType.Bool, Deprecated: true),
        new("use_mlock", ModelfileParameterType.Bool, Deprecated: true),
        new("mirostat", ModelfileParameterType.Int, Deprecated: true),
        new("mirostat_tau", ModelfileParameterType.Float, Deprecated: true),
        new("mirostat_eta", ModelfileParameterType.Float, Deprecated: true),
        new("numa", ModelfileParameterType.Bool, Deprecated: true),
        new("tfs_z", ModelfileParameterType.Float, Deprecated: true),
    ];

    private static readonly Dictionary<string, ModelfileParameterInfo> ByName =
        All.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Every known parameter, current ones first.</summary>
    public static IReadOnlyList<ModelfileParameterInfo> Known => All;

    /// <summary>Looks a parameter up by name, ignoring case.</summary>
    public static bool TryGet(string name, out ModelfileParameterInfo info) => ByName.TryGetValue(name, out info!);

    /// <summary>
    /// Checks <paramref name="value"/> against the parameter's type; returns null when it fits, else what is wrong
    /// (for an error message that names the parameter and the expected form).
    /// </summary>
    public static string? Validate(ModelfileParameterInfo info, string value) => info.Type switch
    {
        ModelfileParameterType.Int => TryParseInt(value, out _) ? null : $"{info.Name} takes a whole number (e.g. 4096), not \"{value}\"",
        ModelfileParameterType.Float => TryParseFloat(value, out _) ? null : $"{info.Name} takes a number (e.g. 0.7), not \"{value}\"",
        ModelfileParameterType.Bool => TryParseBool(value, out _) ? null : $"{info.Name} takes true or false, not \"{value}\"",
        _ => null,
    };

    /// <summary>
    /// The params layer JSON Ollama writes for these parameters: keys sorted, int/float/bool as JSON values, stop as an
    /// array in file order, a repeated scalar keeps its last value, deprecated parameters are left out (as Ollama drops them).
    /// </summary>
    /// <exception cref="ArgumentException">A parameter is unknown or its value does not fit its type.</exception>
    public static string ToJson(IEnumerable<ModelfileParameter> parameters)
    {
        var values = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var p in parameters)
        {
            if (!TryGet(p.Name, out var info))
                throw new ArgumentException($"unknown parameter '{p.Name}'; known: {string.Join(", ", All.Where(i => !i.Deprecated).Select(i => i.Name))}", nameof(parameters));
            if (info.Deprecated) continue;
            if (Validate(info, p.Value) is { } problem) throw new ArgumentException(problem, nameof(parameters));
            switch (info.Type)
            {
                case ModelfileParameterType.StringList:
                    if (values.TryGetValue(info.Name, out var existing)) ((List<string>)existing).Add(p.Value);
                    else values[info.Name] = new List<string> { p.Value };
                    break;
                case ModelfileParameterType.Int:
                    TryParseInt(p.Value, out var l);
                    values[info.Name] = l;
                    break;
                case ModelfileParameterType.Float:
                    TryParseFloat(p.Value, out var f);
                    values[info.Name] = f;
                    break;
                case ModelfileParameterType.Bool:
                    TryParseBool(p.Value, out var b);
                    values[info.Name] = b;
                    break;
            }
        }

        var sb = new StringBuilder("{");
        var first = true;
        foreach (var (key, value) in values)
        {
            if (!first) sb.Append(',');
            first = false;
            GoJson.AppendString(sb, key);
            sb.Append(':');
            switch (value)
            {
                case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
                case float f: sb.Append(GoJson.FormatFloat32(f)); break;
                case bool b: sb.Append(b ? "true" : "false"); break;
                case List<string> list:
                    sb.Append('[');
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (i > 0) sb.Append(',');
                        GoJson.AppendString(sb, list[i]);
                    }
                    sb.Append(']');
                    break;
            }
        }
        return sb.Append('}').ToString();
    }

    /// <summary>Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits, nothing else.</summary>
    public static bool TryParseInt(string s, out long value) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>A finite decimal number that fits a float32 (Go's strconv.ParseFloat(s, 32) minus NaN/Inf, which JSON cannot hold).</summary>
    public static bool TryParseFloat(string s, out float value)
    {
        value = 0;
        if (s.Length == 0 || char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1])) return false;
        if (!double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var d))
            return false;
        value = (float)d;
        return float.IsFinite(value);
    }

    /// <summary>Go's strconv.ParseBool: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False.</summary>
    public static bool TryParseBool(string s, out bool value)
    {
        switch (s)
        {
            case "1" or "t" or "T" or "TRUE" or "true" or "True": value = true; return true;
            case "0" or "f" or "F" or "FALSE" or "false" or "False": value = false; return true;
            default: value = false; return false;
        }
    }
}
