using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Takase.Engine.Grammars.Json;

// Strings and numbers.
internal sealed partial class JsonSchemaCompiler
{
    /// <summary>Formats with a grammar; other formats are annotations (JSON Schema 2020-12's default) and ignored.</summary>
    private static readonly HashSet<string> Formats = ["date", "time", "date-time", "uuid"];

    /// <summary>The largest bound a number or integer schema may have (integers in the grammar have at most 18 digits).</summary>
    private const decimal MaxBound = 999_999_999_999_999_999m;

    private string StringBody(JsonObject obj, string path, string hint)
    {
        var minLength = Count(obj, "minLength", path);
        var maxLength = Count(obj, "maxLength", path);
        var pattern = obj.TryGetPropertyValue("pattern", out var p)
            ? p is JsonValue pv && pv.GetValueKind() == JsonValueKind.String ? pv.GetValue<string>() : throw new JsonSchemaException(path, $"'pattern' must be a string, found {Describe(p)}")
            : null;
        var format = obj["format"] is JsonValue fv && fv.GetValueKind() == JsonValueKind.String ? fv.GetValue<string>() : null;

        if (format is not null && Formats.Contains(format))
        {
            if (pattern is not null || minLength is not null || maxLength is not null)
                throw new JsonSchemaException(path, $"format '{format}' together with pattern, minLength or maxLength is not supported; keep only the format");
            return Primitive(format + "-string");
        }
        var space = Primitive("space");
        if (pattern is not null)
        {
            if (minLength is not null || maxLength is not null)
                throw new JsonSchemaException(path, "'pattern' together with minLength or maxLength is not supported; put the length into the pattern (e.g. ^.{3,10}$)");
            var body = new JsonRegexTranslator(pattern, path, this, Child(hint, "pattern")).Translate();
            return $"\"\\\"\" {body} \"\\\"\" {space}";
        }
        var min = minLength ?? 0;
        if (min > maxLength) throw new JsonSchemaException(path, $"minLength {min} is more than maxLength {maxLength}");
        if (min == 0 && maxLength is null) return Primitive("string");
        var chars = Repeat(Primitive("char"), min, maxLength);
        return chars.Length == 0 ? $"\"\\\"\\\"\" {space}" : $"\"\\\"\" {chars} \"\\\"\" {space}";
    }

    /// <summary>A helper rule for the translator of patterns.</summary>
    internal string HelperRule(string hint, string body) => IsName(body) ? body : Rule(hint, body);

    /// <summary>The rule for any one character of a JSON string.</summary>
    internal string AnyStringChar() => Primitive("char");

    private string IntegerBody(JsonObject obj, string path)
    {
        var (lower, lowerExclusive, upper, upperExclusive) = Bounds(obj, path);
        if (lower is null && upper is null) return Primitive("integer");
        // Whole-number bounds: an exclusive bound moves one step inward, a fractional one rounds inward.
        long? lo = lower is null ? null : (long)(lowerExclusive ? decimal.Floor(lower.Value) + 1 : decimal.Ceiling(lower.Value));
        long? hi = upper is null ? null : (long)(upperExclusive ? decimal.Ceiling(upper.Value) - 1 : decimal.Floor(upper.Value));
        if (lo > hi) throw new JsonSchemaException(path, $"no integer lies within the bounds ({Describe(obj)})");
        return $"{DecimalRangeGrammar.Integer(lo, hi)} {Primitive("space")}";
    }

    private string NumberBody(JsonObject obj, string path)
    {
        var (lower, lowerExclusive, upper, upperExclusive) = Bounds(obj, path);
        if (lower is null && upper is null) return Primitive("number");
        foreach (var bound in new[] { lower, upper })
            if (bound is { } b && decimal.Truncate(b) != b)
                throw new JsonSchemaException(path, $"bound {b.ToString(CultureInfo.InvariantCulture)} on a number: only whole-number bounds are supported for type number (use type integer, or a whole bound)");
        var expression = DecimalRangeGrammar.Number((long?)lower, lowerExclusive, (long?)upper, upperExclusive)
            ?? throw new JsonSchemaException(path, $"no number lies within the bounds ({Describe(obj)})");
        return $"{expression} {Primitive("space")}";
    }

    /// <summary>The tightest lower and upper bounds from minimum/exclusiveMinimum/maximum/exclusiveMaximum (numeric
    /// exclusive bounds, or draft 4's boolean form).</summary>
    private static (decimal? Lower, bool LowerExclusive, decimal? Upper, bool UpperExclusive) Bounds(JsonObject obj, string path)
    {
        decimal? lower = null, upper = null;
        bool lowerExclusive = false, upperExclusive = false;
        var draft4Lower = obj["exclusiveMinimum"] is JsonValue el && el.GetValueKind() == JsonValueKind.True;
        var draft4Upper = obj["exclusiveMaximum"] is JsonValue eu && eu.GetValueKind() == JsonValueKind.True;
        if (Number(obj, "minimum", path) is { } minimum) (lower, lowerExclusive) = (minimum, draft4Lower);
        if (Number(obj, "exclusiveMinimum", path) is { } exclusiveMinimum && (lower is null || exclusiveMinimum >= lower))
            (lower, lowerExclusive) = (exclusiveMinimum, true);
        if (Number(obj, "maximum", path) is { } maximum) (upper, upperExclusive) = (maximum, draft4Upper);
        if (Number(obj, "exclusiveMaximum", path) is { } exclusiveMaximum && (upper is null || exclusiveMaximum <= upper))
            (upper, upperExclusive) = (exclusiveMaximum, true);
        return (lower, lowerExclusive, upper, upperExclusive);
    }

    private static decimal? Number(JsonObject obj, string keyword, string path)
    {
        if (!obj.TryGetPropertyValue(keyword, out var node)) return null;
        if (node is JsonValue flag && flag.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return null;   // draft 4
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
            throw new JsonSchemaException(path, $"'{keyword}' must be a number, found {Describe(node)}");
        if (!JsonText.TryGetDecimal(value, out var number) || Math.Abs(number) > MaxBound)
            throw new JsonSchemaException(path, $"'{keyword}' is {Describe(node)}; bounds beyond ±{MaxBound} are not supported");
        return number;
    }
}
