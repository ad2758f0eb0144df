using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takase.Engine.Grammars.Gbnf;

namespace Takase.Engine.Grammars.Json;

/// <summary>
/// Writes the GBNF for a JSON schema (see <see cref="JsonSchemaGrammar"/> for what is supported). Every schema
/// becomes a rule whose text ends with optional whitespace; identical rule bodies are shared, and each local
/// <c>$ref</c> target becomes one rule, so recursive schemas give recursive grammars. One instance per schema.
/// </summary>
internal sealed partial class JsonSchemaCompiler
{
    /// <summary>Keywords that only describe or organise a schema; they never change which values are valid.</summary>
    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "$schema", "$id", "$comment", "$defs", "definitions", "$anchor", "$vocabulary", "title", "description",
        "examples", "default", "deprecated", "readOnly", "writeOnly", "contentMediaType", "contentEncoding",
        "contentSchema", "discriminator", "xml", "externalDocs", "example",
    };

    /// <summary>Keywords that change which values are valid and that this compiler does not implement.</summary>
    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal)
    {
        "not", "if", "then", "else", "dependentRequired", "dependentSchemas", "dependencies", "patternProperties",
        "propertyNames", "minProperties", "maxProperties", "contains", "minContains", "maxContains", "multipleOf",
        "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef", "$dynamicAnchor", "$recursiveAnchor",
    };

    private static readonly string[] AllTypes = ["object", "array", "string", "number", "integer", "boolean", "null"];

    private readonly JsonNode? _root;
    private readonly List<string> _order = [];
    private readonly Dictionary<string, string> _rules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _namesByBody = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _refRules = new(StringComparer.Ordinal);

    public JsonSchemaCompiler(JsonNode? root) => _root = root;

    /// <summary>The whole grammar, <c>root</c> first.</summary>
    public string Compile()
    {
        RefRule("#", "#");   // the root schema is the target of "#", named "root"
        var builder = new StringBuilder();
        foreach (var name in _order) builder.Append(name).Append(" ::= ").Append(_rules[name]).Append('\n');
        return builder.ToString();
    }

    /// <summary>The name of a rule matching <paramref name="schema"/>, made from <paramref name="hint"/> when new.</summary>
    private string Named(JsonNode? schema, string path, string hint)
    {
        var body = Body(schema, path, hint);
        return IsName(body) ? body : Rule(hint, body);
    }

    private static bool IsName(string body) => body.Length > 0 && body.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary>Names for the parts of a rule named <paramref name="hint"/> (the root's parts go without prefix).</summary>
    private static string Child(string hint, string part) => hint == "root" ? part : $"{hint}-{part}";

    /// <summary>A GBNF rule body matching <paramref name="schema"/> (found at <paramref name="path"/>), whose helper
    /// rules are named after <paramref name="hint"/>.</summary>
    private string Body(JsonNode? schema, string path, string hint)
    {
        if (schema is JsonValue flag && flag.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            if (flag.GetValue<bool>()) return Primitive("value");
            throw new JsonSchemaException(path, "the schema is 'false', which no value satisfies");
        }
        if (schema is not JsonObject obj)
            throw new JsonSchemaException(path, $"a schema must be an object or a boolean, found {Describe(schema)}");
        CheckKeywords(obj, path);

        if (obj.TryGetPropertyValue("nullable", out var nullable) && nullable is JsonValue n && n.GetValueKind() == JsonValueKind.True)
        {
            // OpenAPI 3.0's spelling of "or null".
            return $"{Named(Without(obj, "nullable"), path, Child(hint, "value"))} | {Primitive("null")}";
        }

        if (obj.ContainsKey("$ref"))
        {
            var reference = RefString(obj, path);
            if (obj.All(p => p.Key == "$ref" || Annotations.Contains(p.Key))) return RefRule(reference, path);
            // Keywords beside $ref apply too (draft 2019-09 and later): the target and the rest, merged.
            return Body(Flatten(obj, path, 0), path, hint);
        }

        if (obj.ContainsKey("allOf")) return Body(Flatten(obj, path, 0), path, hint);

        foreach (var keyword in new[] { "anyOf", "oneOf" })
        {
            if (!obj.ContainsKey(keyword)) continue;
            // oneOf is compiled as anyOf: a grammar cannot forbid a value that matches two branches.
            var rest = Without(obj, keyword);
            var constrained = rest.Any(p => !Annotations.Contains(p.Key));
            var options = ArrayOf(obj, keyword, path);
            if (options.Count == 0) throw new JsonSchemaException(path, $"'{keyword}' is empty, so no value satisfies it");
            var names = new List<string>();
            for (var i = 0; i < options.Count; i++)
            {
                var optionPath = $"{path}/{keyword}/{i}";
                var option = constrained ? Merge(rest, Flatten(options[i], optionPath, 0), optionPath) : options[i];
                names.Add(Named(option, optionPath, Child(hint, i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            }
            return string.Join(" | ", names.Distinct());
        }

        var types = Types(obj, path);
        if (obj.TryGetPropertyValue("const", out var constant)) return Literal(constant, types, path);
        if (obj.ContainsKey("enum"))
        {
            var values = ArrayOf(obj, "enum", path);
            var literals = values.Where(v => types is null || Admits(types, TypeOf(v))).Select(JsonLiteral).Distinct().ToList();
            if (literals.Count == 0) throw new JsonSchemaException(path, "'enum' has no value of the schema's type, so no value satisfies it");
            return string.Join(" | ", literals);
        }

        types ??= InferTypes(obj);
        if (types.Count == 1) return TypeBody(types[0], obj, path, hint);
        var parts = new List<string>();
        foreach (var type in types)
        {
            var body = TypeBody(type, obj, path, Child(hint, type));
            parts.Add(IsName(body) ? body : Rule(Child(hint, type), body));
        }
        return string.Join(" | ", parts.Distinct());
    }

    private static bool Admits(List<string> types, string type) => types.Contains(type) || (type == "integer" && types.Contains("number"));

    private string TypeBody(string type, JsonObject obj, string path, string hint) => type switch
    {
        "object" => ObjectBody(obj, path, hint),
        "array" => ArrayBody(obj, path, hint),
        "string" => StringBody(obj, path, hint),
        "integer" => IntegerBody(obj, path),
        "number" => NumberBody(obj, path),
        "boolean" => Primitive("boolean"),
        "null" => Primitive("null"),
        _ => Primitive("value"),
    };

    /// <summary>With no "type", the type the other keywords are about (the grammar then produces only that type,
    /// which is valid because keywords of other types do not apply to it); any value when nothing says.</summary>
    private static List<string> InferTypes(JsonObject obj)
    {
        if (obj.ContainsKey("properties") || obj.ContainsKey("additionalProperties") || obj.ContainsKey("required")) return ["object"];
        if (obj.ContainsKey("items") || obj.ContainsKey("prefixItems") || obj.ContainsKey("minItems") || obj.ContainsKey("maxItems")) return ["array"];
        if (obj.ContainsKey("minLength") || obj.ContainsKey("maxLength") || obj.ContainsKey("pattern") || obj.ContainsKey("format")) return ["string"];
        if (obj.ContainsKey("minimum") || obj.ContainsKey("maximum") || obj.ContainsKey("exclusiveMinimum") || obj.ContainsKey("exclusiveMaximum")) return ["number"];
        return ["value"];
    }

    private static List<string>? Types(JsonObject obj, string path)
    {
        if (!obj.TryGetPropertyValue("type", out var type)) return null;
        var names = type switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
            JsonArray a when a.All(t => t is JsonValue tv && tv.GetValueKind() == JsonValueKind.String) => a.Select(t => t!.GetValue<string>()).ToList(),
            _ => throw new JsonSchemaException(path, $"'type' must be a type name or an array of them, found {Describe(type)}"),
        };
        foreach (var name in names)
            if (!AllTypes.Contains(name))
                throw new JsonSchemaException(path, $"unknown type '{name}'; use one of {string.Join(", ", AllTypes)}");
        if (names.Count == 0) throw new JsonSchemaException(path, "'type' is an empty array, so no value satisfies it");
        // "number" already includes the integers.
        if (names.Contains("number")) names.Remove("integer");
        return names.Distinct().ToList();
    }

    private static string TypeOf(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number when IsWholeNumber(v) => "integer",
            _ => "number",
        },
        _ => "value",
    };

    private static bool IsWholeNumber(JsonValue value) =>
        JsonText.TryGetDecimal(value, out var d) ? decimal.Truncate(d) == d : JsonText.TryGetDouble(value, out var x) && Math.Floor(x) == x;

    private string Literal(JsonNode? constant, List<string>? types, string path)
    {
        if (types is not null && !Admits(types, TypeOf(constant)))
            throw new JsonSchemaException(path, $"'const' is {Describe(constant)}, which is not of the schema's type, so no value satisfies it");
        return JsonLiteral(constant);
    }

    /// <summary>Exactly this JSON value (compact), then optional whitespace.</summary>
    private string JsonLiteral(JsonNode? value) => $"{GbnfText.Literal(JsonText.Write(value))} {Primitive("space")}";

    private static void CheckKeywords(JsonObject obj, string path)
    {
        foreach (var (keyword, value) in obj)
        {
            if (!Unsupported.Contains(keyword)) continue;
            if (keyword == "unevaluatedProperties" && value is JsonValue v && v.GetValueKind() == JsonValueKind.False && !obj.ContainsKey("allOf")
                && !obj.ContainsKey("anyOf") && !obj.ContainsKey("oneOf") && !obj.ContainsKey("$ref"))
                continue;   // the same as additionalProperties: false, which is the default here
            throw new JsonSchemaException(path, $"keyword '{keyword}' is not supported (it would change which values are valid); remove it or express it with supported keywords");
        }
        if (obj.TryGetPropertyValue("uniqueItems", out var unique) && unique is JsonValue u && u.GetValueKind() == JsonValueKind.True)
            throw new JsonSchemaException(path, "keyword 'uniqueItems: true' is not supported (a grammar cannot compare array items); remove it");
    }

    /// <summary>The name of a rule with <paramref name="body"/>: an existing rule with the same body, or a new one named
    /// after <paramref name="hint"/>.</summary>
    private string Rule(string hint, string body)
    {
        if (_namesByBody.TryGetValue(body, out var existing)) return existing;
        var name = Reserve(hint);
        Define(name, body);
        return name;
    }

    /// <summary>A fresh rule name made from <paramref name="hint"/> (letters, digits and '-').</summary>
    private string Reserve(string hint)
    {
        var builder = new StringBuilder();
        foreach (var c in hint)
        {
            if (char.IsAsciiLetterOrDigit(c)) builder.Append(c);
            else if (builder.Length > 0 && builder[^1] != '-') builder.Append('-');
        }
        var stem = builder.ToString().Trim('-');
        if (stem.Length == 0) stem = "rule";
        if (stem.Length > 60) stem = stem[..60].Trim('-');
        var name = stem;
        for (var i = 2; _rules.ContainsKey(name) || JsonPrimitives.Contains(name); i++) name = $"{stem}-{i}";
        _rules[name] = "";
        _order.Add(name);
        return name;
    }

    private void Define(string name, string body)
    {
        _rules[name] = body;
        _namesByBody.TryAdd(body, name);
    }

    /// <summary>The name of a built-in JSON rule, adding it (and the rules it uses) on first use.</summary>
    private string Primitive(string name)
    {
        if (_rules.ContainsKey(name)) return name;
        var (body, uses) = JsonPrimitives.Get(name);
        _rules[name] = body;
        _order.Add(name);
        foreach (var used in uses) Primitive(used);
        return name;
    }

    private static JsonObject Without(JsonObject obj, string keyword)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in obj)
            if (key != keyword) copy[key] = value?.DeepClone();
        return copy;
    }

    private static JsonArray ArrayOf(JsonObject obj, string keyword, string path) =>
        obj[keyword] as JsonArray ?? throw new JsonSchemaException(path, $"'{keyword}' must be an array, found {Describe(obj[keyword])}");

    internal static string Describe(JsonNode? node)
    {
        var text = node is null ? "null" : node.ToJsonString();
        return text.Length > 60 ? text[..57] + "..." : text;
    }
}
