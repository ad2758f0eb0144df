using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Takase.Engine.Tests.Grammars;

/// <summary>
/// A small JSON Schema validator for the keywords the grammar tests use, written from the specification and
/// independent of the grammar compiler, so generated output can be checked against it. One deliberate choice
/// follows the compiler's documented default: an object schema that lists properties without saying
/// additionalProperties allows no other keys (llama.cpp's behaviour), so the check is the stricter one. The parts
/// of an allOf are checked with the standard default (other keys allowed), as each sees only its own properties.
/// </summary>
internal sealed class SchemaValidator(JsonNode root)
{
    public List<string> Validate(JsonElement instance)
    {
        var errors = new List<string>();
        Check(instance, root, "$", errors, 0, strict: true);
        return errors;
    }

    private void Check(JsonElement value, JsonNode? schema, string at, List<string> errors, int depth, bool strict = true)
    {
        if (depth > 100) throw new InvalidOperationException("schema recursion too deep");
        if (schema is JsonValue flag && flag.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            if (!flag.GetValue<bool>()) errors.Add($"{at}: schema false");
            return;
        }
        var s = (JsonObject)schema!;
        if (s["$ref"] is JsonValue reference) Check(value, Resolve(reference.GetValue<string>()), at, errors, depth + 1, strict);
        if (s["allOf"] is JsonArray all)
            foreach (var part in all) Check(value, part, at, errors, depth + 1, strict: false);
        if (s["anyOf"] is JsonArray any && !any.Any(part => Passes(value, part, at, depth)))
            errors.Add($"{at}: matches no anyOf branch");
        if (s["oneOf"] is JsonArray one && one.Count(part => Passes(value, part, at, depth)) != 1)
            errors.Add($"{at}: does not match exactly one oneOf branch");
        if (s.TryGetPropertyValue("const", out var constant) && !JsonEquals(value, constant))
            errors.Add($"{at}: {value.GetRawText()} is not the const {constant?.ToJsonString() ?? "null"}");
        if (s["enum"] is JsonArray options && !options.Any(o => JsonEquals(value, o)))
            errors.Add($"{at}: {value.GetRawText()} is not in the enum");
        var nullable = s["nullable"] is JsonValue n && n.GetValue<bool>();
        if (s["type"] is { } type && !(nullable && value.ValueKind == JsonValueKind.Null))
        {
            var names = type is JsonArray list ? list.Select(t => t!.GetValue<string>()).ToList() : [type.GetValue<string>()];
            if (!names.Any(name => HasType(value, name))) errors.Add($"{at}: {value.ValueKind} is not {string.Join("/", names)}");
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object: CheckObject(value, s, at, errors, depth, strict); break;
            case JsonValueKind.Array: CheckArray(value, s, at, errors, depth); break;
            case JsonValueKind.String: CheckString(value.GetString()!, s, at, errors); break;
            case JsonValueKind.Number: CheckNumber(value, s, at, errors); break;
        }
    }

    private bool Passes(JsonElement value, JsonNode? schema, string at, int depth)
    {
        var errors = new List<string>();
        Check(value, schema, at, errors, depth + 1);
        return errors.Count == 0;
    }

    private void CheckObject(JsonElement value, JsonObject s, string at, List<string> errors, int depth, bool strict)
    {
        var properties = s["properties"] as JsonObject;
        var keys = new HashSet<string>();
        foreach (var property in value.EnumerateObject())
        {
            // The grammar never repeats a listed property; keys it allows beyond those may repeat (a grammar cannot
            // compare them), as in llama.cpp.
            if (!keys.Add(property.Name) && properties is not null && properties.ContainsKey(property.Name))
                errors.Add($"{at}: duplicate key '{property.Name}'");
            var path = $"{at}.{property.Name}";
            if (properties is not null && properties.TryGetPropertyValue(property.Name, out var propertySchema))
                Check(property.Value, propertySchema, path, errors, depth + 1);
            else if (s.TryGetPropertyValue("additionalProperties", out var additional))
                Check(property.Value, additional, path, errors, depth + 1);
            else if (properties is not null && strict)
                errors.Add($"{at}: key '{property.Name}' is not among the properties");
        }
        if (s["required"] is JsonArray required)
            foreach (var name in required.Select(r => r!.GetValue<string>()))
                if (!keys.Contains(name)) errors.Add($"{at}: required '{name}' is missing");
    }

    private void CheckArray(JsonElement value, JsonObject s, string at, List<string> errors, int depth)
    {
        var items = value.EnumerateArray().ToList();
        var prefix = s["prefixItems"] as JsonArray;
        for (var i = 0; i < items.Count; i++)
        {
            if (prefix is not null && i < prefix.Count) Check(items[i], prefix[i], $"{at}[{i}]", errors, depth + 1);
            else if (s.TryGetPropertyValue("items", out var itemSchema)) Check(items[i], itemSchema, $"{at}[{i}]", errors, depth + 1);
        }
        if (s["minItems"] is JsonValue min && items.Count < min.GetValue<int>()) errors.Add($"{at}: fewer than {min} items");
        if (s["maxItems"] is JsonValue max && items.Count > max.GetValue<int>()) errors.Add($"{at}: more than {max} items");
    }

    private static void CheckString(string text, JsonObject s, string at, List<string> errors)
    {
        var length = text.EnumerateRunes().Count();
        if (s["minLength"] is JsonValue min && length < min.GetValue<int>()) errors.Add($"{at}: shorter than {min}");
        if (s["maxLength"] is JsonValue max && length > max.GetValue<int>()) errors.Add($"{at}: longer than {max}");
        if (s["pattern"] is JsonValue pattern && !Regex.IsMatch(text, pattern.GetValue<string>()))
            errors.Add($"{at}: '{text}' does not match /{pattern}/");
        var ok = s["format"]?.GetValue<string>() switch
        {
            "date" => IsDate(text),
            "time" => IsTime(text),
            "date-time" => text.Split('T') is [var date, var time] && IsDate(date) && IsTime(time),
            "uuid" => Guid.TryParseExact(text, "D", out _),
            _ => true,
        };
        if (!ok) errors.Add($"{at}: '{text}' is not a {s["format"]}");
    }

    private static bool IsDate(string text) =>
        Regex.IsMatch(text, @"^\d{4}-\d{2}-\d{2}$") && DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    private static bool IsTime(string text)
    {
        var match = Regex.Match(text, @"^(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$");
        if (!match.Success) return false;
        int Part(int group) => int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
        return Part(1) < 24 && Part(2) < 60 && Part(3) < 60 && (match.Groups[5].Value == "Z" || (Part(6) < 24 && Part(7) < 60));
    }

    private static void CheckNumber(JsonElement value, JsonObject s, string at, List<string> errors)
    {
        // Decimal where it fits (exact), double for magnitudes beyond it such as 1e99.
        var exact = value.TryGetDecimal(out var d);
        int Compare(JsonValue bound) => exact ? d.CompareTo(bound.GetValue<decimal>()) : value.GetDouble().CompareTo(bound.GetValue<double>());
        bool IsNumber(JsonNode? node, out JsonValue bound)
        {
            bound = (node as JsonValue)!;
            return bound is not null && bound.GetValueKind() == JsonValueKind.Number;
        }
        if (IsNumber(s["minimum"], out var min) && Compare(min) < 0) errors.Add($"{at}: {value} < minimum {min}");
        if (IsNumber(s["maximum"], out var max) && Compare(max) > 0) errors.Add($"{at}: {value} > maximum {max}");
        if (IsNumber(s["exclusiveMinimum"], out var emin) && Compare(emin) <= 0) errors.Add($"{at}: {value} <= exclusiveMinimum {emin}");
        if (IsNumber(s["exclusiveMaximum"], out var emax) && Compare(emax) >= 0) errors.Add($"{at}: {value} >= exclusiveMaximum {emax}");
    }

    private static bool HasType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number && double.IsFinite(value.GetDouble()),
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d) && decimal.Truncate(d) == d,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => throw new ArgumentException($"unknown type {type}"),
    };

    private static bool JsonEquals(JsonElement value, JsonNode? expected) =>
        JsonNode.DeepEquals(JsonNode.Parse(value.GetRawText()), expected) ||
        (value.ValueKind == JsonValueKind.Number && expected is JsonValue v && v.GetValueKind() == JsonValueKind.Number
         && value.TryGetDecimal(out var d) && d == v.GetValue<decimal>());

    private JsonNode? Resolve(string reference)
    {
        var node = root;
        foreach (var token in reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
            node = node![token.Replace("~1", "/").Replace("~0", "~")];
        return node;
    }
}
