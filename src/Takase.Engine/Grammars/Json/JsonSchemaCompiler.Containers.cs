using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takase.Engine.Grammars.Gbnf;

namespace Takase.Engine.Grammars.Json;

// Objects and arrays.
internal sealed partial class JsonSchemaCompiler
{
    /// <summary>
    /// An object: required properties first, in the order "properties" lists them (then required names it does not
    /// list, with any value); then the optional ones, each present or not, in their listed order; then, when
    /// additionalProperties allows it, other keys. additionalProperties defaults to false (llama.cpp's choice), and
    /// an object schema with neither properties nor additionalProperties allows any object.
    /// </summary>
    private string ObjectBody(JsonObject obj, string path, string hint)
    {
        var properties = obj.TryGetPropertyValue("properties", out var p)
            ? p as JsonObject ?? throw new JsonSchemaException(path, $"'properties' must be an object, found {Describe(p)}")
            : null;
        var required = RequiredNames(obj, path);
        var hasAdditional = obj.TryGetPropertyValue("additionalProperties", out var additional);
        if (properties is null && !hasAdditional && required.Count == 0) return Primitive("object");

        var space = Primitive("space");
        var requiredPairs = new List<string>();
        var optionalPairs = new List<string>();
        var declared = new List<string>();
        foreach (var (name, schema) in properties ?? [])
        {
            declared.Add(name);
            var isRequired = required.Contains(name);
            if (schema is JsonValue never && never.GetValueKind() == JsonValueKind.False)
            {
                if (isRequired) throw new JsonSchemaException(path, $"property '{name}' is required but its schema is false, so no value satisfies it");
                continue;   // the property must be absent: leave it out
            }
            var value = Named(schema, $"{path}/properties/{PointerToken(name)}", Child(hint, name));
            (isRequired ? requiredPairs : optionalPairs).Add(Pair(name, value, Child(hint, name + "-kv")));
        }
        foreach (var name in required.Where(r => properties is null || !properties.ContainsKey(r)))
        {
            declared.Add(name);
            requiredPairs.Add(Pair(name, Primitive("value"), Child(hint, name + "-kv")));
        }

        string? extraPair = null;
        if (hasAdditional && !(additional is JsonValue closed && closed.GetValueKind() == JsonValueKind.False))
        {
            var value = additional is JsonValue allowed && allowed.GetValueKind() == JsonValueKind.True
                ? Primitive("value")
                : Named(additional, $"{path}/additionalProperties", Child(hint, "additional-value"));
            var key = declared.Count == 0 ? Primitive("string") : OtherKey(declared, Child(hint, "additional-key"));
            extraPair = Rule(Child(hint, "additional-kv"), $"{key} \":\" {space} {value}");
        }

        // tail: what may follow the required pairs, built from the end: optional i, then optional i+1 … or skip it.
        var comma = $"\",\" {space}";
        string? tail = extraPair is null ? null : Rule(Child(hint, "additional-kvs"), $"{extraPair} ({comma} {extraPair})*");
        for (var i = optionalPairs.Count - 1; i >= 0; i--)
        {
            var body = tail is null ? optionalPairs[i] : $"{optionalPairs[i]} ({comma} {tail})? | {tail}";
            tail = IsName(body) ? body : Rule(Child(hint, $"rest-{i}"), body);
        }

        var open = $"\"{{\" {space}";
        var close = $"\"}}\" {space}";
        if (requiredPairs.Count == 0) return tail is null ? $"{open} {close}" : $"{open} ({tail})? {close}";
        var pairs = string.Join($" {comma} ", requiredPairs);
        return tail is null ? $"{open} {pairs} {close}" : $"{open} {pairs} ({comma} {tail})? {close}";
    }

    private string Pair(string name, string value, string hint) =>
        Rule(hint, $"{GbnfText.Literal(JsonText.Quote(name))} {Primitive("space")} \":\" {Primitive("space")} {value}");

    private static List<string> RequiredNames(JsonObject obj, string path)
    {
        if (!obj.TryGetPropertyValue("required", out var required)) return [];
        if (required is not JsonArray array || array.Any(r => r is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
            throw new JsonSchemaException(path, $"'required' must be an array of property names, found {Describe(required)}");
        return array.Select(r => r!.GetValue<string>()).Distinct().ToList();
    }

    /// <summary>
    /// A key that is none of <paramref name="names"/>, so an additional property never repeats a declared one. Its
    /// characters are plain (no escapes), so it cannot spell a declared name in another way either.
    /// </summary>
    private string OtherKey(List<string> names, string hint)
    {
        var plain = CodePointSet.FromRanges([('"', '"'), ('\\', '\\'), (0, 0x1F)]).Complement();
        var root = new KeyTrie();
        foreach (var name in names)
        {
            if (name.EnumerateRunes().Any(r => !plain.Contains(r.Value))) continue;   // cannot be written without escapes
            var node = root;
            foreach (var rune in name.EnumerateRunes())
                node = node.Children.TryGetValue(rune.Value, out var child) ? child : node.Children[rune.Value] = new KeyTrie();
            node.IsName = true;
        }
        var rest = $"{plain.ToGbnf()}* \"\\\"\"";
        return Rule(hint, $"\"\\\"\" {KeyRule(root, plain, rest, hint)} {Primitive("space")}");
    }

    private string KeyRule(KeyTrie node, CodePointSet plain, string rest, string hint)
    {
        var options = new List<string>();
        if (!node.IsName) options.Add("\"\\\"\"");   // the key may end here
        var others = plain.Except(CodePointSet.FromRanges(node.Children.Keys.Select(c => (c, c))));
        if (!others.IsEmpty) options.Add($"{others.ToGbnf()} {rest}");
        foreach (var (c, child) in node.Children.OrderBy(c => c.Key))
            options.Add($"{GbnfText.Literal(char.ConvertFromUtf32(c))} {KeyRule(child, plain, rest, hint)}");
        return Rule(hint + "-rest", string.Join(" | ", options));
    }

    private sealed class KeyTrie
    {
        public Dictionary<int, KeyTrie> Children { get; } = [];
        public bool IsName { get; set; }
    }

    /// <summary>
    /// An array: prefixItems (or draft-7 tuple "items") in order, then items of the "items" (or "additionalItems")
    /// schema, with minItems/maxItems on the total. Without "items", a tuple allows exactly its listed items.
    /// </summary>
    private string ArrayBody(JsonObject obj, string path, string hint)
    {
        var tuple = new List<string>();
        string? rest;
        JsonArray? tupleSchemas = null;
        string tupleKeyword;
        var hasItems = obj.TryGetPropertyValue("items", out var items);
        if (obj.TryGetPropertyValue("prefixItems", out var prefix))
        {
            tupleSchemas = prefix as JsonArray ?? throw new JsonSchemaException(path, $"'prefixItems' must be an array, found {Describe(prefix)}");
            tupleKeyword = "prefixItems";
            rest = hasItems ? ItemRule(items, $"{path}/items", hint) : null;
        }
        else if (items is JsonArray oldTuple)
        {
            tupleSchemas = oldTuple;
            tupleKeyword = "items";
            rest = obj.TryGetPropertyValue("additionalItems", out var more) ? ItemRule(more, $"{path}/additionalItems", hint) : null;
        }
        else
        {
            tupleKeyword = "";
            rest = hasItems ? ItemRule(items, $"{path}/items", hint) : Primitive("value");
        }
        for (var i = 0; i < (tupleSchemas?.Count ?? 0); i++)
            tuple.Add(Named(tupleSchemas![i], $"{path}/{tupleKeyword}/{i}", Child(hint, $"item-{i}")));

        var min = Count(obj, "minItems", path) ?? 0;
        var max = Count(obj, "maxItems", path);
        if (rest is null) max = Math.Min(max ?? tuple.Count, tuple.Count);
        if (min > max)
            throw new JsonSchemaException(path, rest is null
                ? $"minItems {min} is more than the {tuple.Count} items the schema allows"
                : $"minItems {min} is more than maxItems {max}");

        var space = Primitive("space");
        var inside = Items(1, tuple, rest, min, max);
        return inside.Length == 0 ? $"\"[\" {space} \"]\" {space}" : $"\"[\" {space} {inside} \"]\" {space}";
    }

    private string? ItemRule(JsonNode? schema, string path, string hint) =>
        schema is JsonValue v && v.GetValueKind() == JsonValueKind.False ? null : Named(schema, path, Child(hint, "item"));

    /// <summary>GBNF for the items from position <paramref name="position"/> (1-based) on.</summary>
    private string Items(int position, List<string> tuple, string? rest, int min, int? max)
    {
        if (position > max) return "";
        var comma = $"\",\" {Primitive("space")}";
        if (position <= tuple.Count)
        {
            var separator = position == 1 ? "" : comma + " ";
            var inner = $"{separator}{tuple[position - 1]} {Items(position + 1, tuple, rest, min, max)}".TrimEnd();
            return position <= min ? inner : $"({inner})?";
        }
        if (rest is null) return "";
        var before = position - 1;
        var needed = Math.Max(0, min - before);
        var most = max - before;
        if (position > 1) return Repeat($"({comma} {rest})", needed, most);
        if (needed >= 1) return $"{rest} {Repeat($"({comma} {rest})", needed - 1, most - 1)}".TrimEnd();
        var more = Repeat($"({comma} {rest})", 0, most - 1);
        return more.Length == 0 ? $"({rest})?" : $"({rest} {more})?";
    }

    private static string Repeat(string item, int min, int? max)
    {
        if (max == 0) return "";
        if (max is null) return min switch { 0 => item + "*", 1 => item + "+", _ => $"{item}{{{min},}}" };
        if (min == max) return min == 1 ? item : $"{item}{{{min}}}";
        if (min == 0 && max == 1) return item + "?";
        return $"{item}{{{min},{max}}}";
    }

    /// <summary>A non-negative count keyword (minItems, maxLength …), or null when absent.</summary>
    private static int? Count(JsonObject obj, string keyword, string path)
    {
        if (!obj.TryGetPropertyValue(keyword, out var node)) return null;
        if (!JsonText.TryGetDouble(node, out var number)
            || number < 0 || Math.Floor(number) != number)
            throw new JsonSchemaException(path, $"'{keyword}' must be a non-negative integer, found {Describe(node)}");
        if (number > GbnfParser.MaxRepetition)
            throw new JsonSchemaException(path, $"'{keyword}' is {number.ToString(CultureInfo.InvariantCulture)}, above the supported limit of {GbnfParser.MaxRepetition}");
        return (int)number;
    }

    private static string PointerToken(string name) => name.Replace("~", "~0").Replace("/", "~1");
}
