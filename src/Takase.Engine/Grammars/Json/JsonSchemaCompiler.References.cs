using System.Text.Json;
using System.Text.Json.Nodes;

namespace Takase.Engine.Grammars.Json;

// $ref resolution and allOf merging.
internal sealed partial class JsonSchemaCompiler
{
    private const int MaxMergeDepth = 32;

    private static readonly HashSet<string> Minimums = ["minimum", "exclusiveMinimum", "minLength", "minItems"];
    private static readonly HashSet<string> Maximums = ["maximum", "exclusiveMaximum", "maxLength", "maxItems"];

    private static string RefString(JsonObject obj, string path) =>
        obj["$ref"] is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw new JsonSchemaException(path, $"'$ref' must be a string, found {Describe(obj["$ref"])}");

    /// <summary>The rule for the schema <paramref name="reference"/> points to: one rule per target, so a schema
    /// that refers to itself gives a recursive rule.</summary>
    private string RefRule(string reference, string path)
    {
        if (_refRules.TryGetValue(reference, out var name)) return name;
        var (target, pointer) = Resolve(reference, path);
        var segments = pointer.Split('/');
        name = Reserve(reference == "#" ? "root" : segments[^1]);
        _refRules[reference] = name;
        Define(name, Body(target, pointer, name));
        return name;
    }

    /// <summary>The schema a local reference (<c>#</c>, <c>#/$defs/x</c>, <c>#/definitions/x</c>, any JSON pointer into
    /// this schema) points to, and its path.</summary>
    private (JsonNode? Schema, string Path) Resolve(string reference, string path)
    {
        if (!reference.StartsWith('#'))
            throw new JsonSchemaException(path, $"$ref '{reference}' points outside this schema; only local references such as '#/$defs/Name' are supported (inline the schema instead)");
        var pointer = Uri.UnescapeDataString(reference[1..]);
        if (pointer.Length > 0 && pointer[0] != '/')
            throw new JsonSchemaException(path, $"$ref '{reference}' names an anchor; only JSON pointers such as '#/$defs/Name' are supported");
        JsonNode? node = _root;
        foreach (var token in pointer.Split('/').Skip(1))
        {
            var key = token.Replace("~1", "/").Replace("~0", "~");
            node = node switch
            {
                JsonObject obj when obj.TryGetPropertyValue(key, out var child) => child,
                JsonArray array when int.TryParse(key, out var index) && index >= 0 && index < array.Count => array[index],
                _ => throw new JsonSchemaException(path, $"$ref '{reference}' points to nothing: there is no '{key}' along that path"),
            };
        }
        return (node, "#" + pointer);
    }

    /// <summary>One schema object equivalent to <paramref name="schema"/> with its <c>$ref</c> and <c>allOf</c>
    /// merged in (see <see cref="Merge"/>).</summary>
    private JsonObject Flatten(JsonNode? schema, string path, int depth)
    {
        if (depth > MaxMergeDepth)
            throw new JsonSchemaException(path, "$ref and allOf nest too deep here, probably in a cycle; a schema can refer to itself only through properties or items");
        if (schema is JsonValue flag && flag.GetValueKind() == JsonValueKind.True) return [];
        if (schema is JsonValue no && no.GetValueKind() == JsonValueKind.False)
            throw new JsonSchemaException(path, "the schema is 'false', which no value satisfies");
        if (schema is not JsonObject obj)
            throw new JsonSchemaException(path, $"a schema must be an object or a boolean, found {Describe(schema)}");
        CheckKeywords(obj, path);

        var result = Without(Without(obj, "$ref"), "allOf");
        if (obj.ContainsKey("$ref"))
        {
            var (target, pointer) = Resolve(RefString(obj, path), path);
            result = Merge(Flatten(target, pointer, depth + 1), result, path);
        }
        if (obj.ContainsKey("allOf"))
        {
            var parts = ArrayOf(obj, "allOf", path);
            for (var i = 0; i < parts.Count; i++) result = Merge(result, Flatten(parts[i], $"{path}/allOf/{i}", depth + 1), path);
        }
        return result;
    }

    /// <summary>
    /// A schema satisfied by what satisfies both: properties are combined (a property in both must satisfy both),
    /// required lists joined, types intersected, bounds tightened, enums intersected. Other keywords must agree.
    /// additionalProperties is merged as a plain keyword, so combine objects whose properties are all listed.
    /// </summary>
    private static JsonObject Merge(JsonObject a, JsonObject b, string path)
    {
        var result = (JsonObject)a.DeepClone();
        foreach (var (key, value) in b)
        {
            if (!result.TryGetPropertyValue(key, out var existing))
            {
                result[key] = value?.DeepClone();
                continue;
            }
            if (Annotations.Contains(key)) continue;
            result[key] = key switch
            {
                "properties" => MergeProperties(existing, value, path),
                "required" => new JsonArray(Strings(existing).Union(Strings(value)).Select(s => (JsonNode?)s).ToArray()),
                "type" => IntersectTypes(existing, value, path),
                "enum" => IntersectEnums(existing, value, path),
                "items" or "additionalProperties" => MergeSchemas(existing, value),
                _ when Minimums.Contains(key) => Tighter(existing, value, larger: true),
                _ when Maximums.Contains(key) => Tighter(existing, value, larger: false),
                _ when JsonNode.DeepEquals(existing, value) => existing?.DeepClone(),
                _ => throw new JsonSchemaException(path, $"allOf combines schemas whose '{key}' differ ({Describe(existing)} and {Describe(value)}); combining those is not supported, merge them by hand"),
            };
        }
        return result;
    }

    private static JsonNode MergeProperties(JsonNode? a, JsonNode? b, string path)
    {
        if (a is not JsonObject left || b is not JsonObject right)
            throw new JsonSchemaException(path, "'properties' must be an object");
        var result = (JsonObject)left.DeepClone();
        foreach (var (name, schema) in right)
            result[name] = result.TryGetPropertyValue(name, out var mine)
                ? new JsonObject { ["allOf"] = new JsonArray(mine?.DeepClone(), schema?.DeepClone()) }
                : schema?.DeepClone();
        return result;
    }

    private static JsonNode? MergeSchemas(JsonNode? a, JsonNode? b)
    {
        if (a is JsonValue va && va.GetValueKind() == JsonValueKind.False) return false;
        if (b is JsonValue vb && vb.GetValueKind() == JsonValueKind.False) return false;
        if (a is JsonValue ta && ta.GetValueKind() == JsonValueKind.True) return b?.DeepClone();
        if (b is JsonValue tb && tb.GetValueKind() == JsonValueKind.True) return a?.DeepClone();
        return JsonNode.DeepEquals(a, b) ? a?.DeepClone() : new JsonObject { ["allOf"] = new JsonArray(a?.DeepClone(), b?.DeepClone()) };
    }

    private static JsonNode IntersectTypes(JsonNode? a, JsonNode? b, string path)
    {
        var left = Types(new JsonObject { ["type"] = a?.DeepClone() }, path)!;
        var right = Types(new JsonObject { ["type"] = b?.DeepClone() }, path)!;
        var common = new List<string>();
        foreach (var type in left)
        {
            if (right.Contains(type)) common.Add(type);
            else if (type == "number" && right.Contains("integer")) common.Add("integer");
            else if (type == "integer" && right.Contains("number")) common.Add("integer");
        }
        if (common.Count == 0)
            throw new JsonSchemaException(path, $"allOf combines types {Describe(a)} and {Describe(b)}, which no value has");
        return new JsonArray(common.Distinct().Select(t => (JsonNode?)t).ToArray());
    }

    private static JsonNode IntersectEnums(JsonNode? a, JsonNode? b, string path)
    {
        if (a is not JsonArray left || b is not JsonArray right) throw new JsonSchemaException(path, "'enum' must be an array");
        var common = left.Where(x => right.Any(y => JsonNode.DeepEquals(x, y))).Select(x => x?.DeepClone()).ToArray();
        if (common.Length == 0) throw new JsonSchemaException(path, "allOf combines enums with no value in common, so no value satisfies it");
        return new JsonArray(common);
    }

    private static JsonNode? Tighter(JsonNode? a, JsonNode? b, bool larger)
    {
        // Draft 4's boolean exclusiveMinimum/exclusiveMaximum cannot be compared; they must agree.
        if (!JsonText.TryGetDouble(a, out var first) || !JsonText.TryGetDouble(b, out var second))
            return JsonNode.DeepEquals(a, b) ? a?.DeepClone() : throw new JsonSchemaException("#", "allOf combines boolean exclusiveMinimum/exclusiveMaximum that differ");
        return (larger ? first >= second : first <= second) ? a!.DeepClone() : b!.DeepClone();
    }

    private static IEnumerable<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>()) : [];
}
