using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Takase.Server.OpenAI;

/// <summary>
/// JSON for the OpenAI API: one set of serializer options, and request bodies read into the DTO records with the
/// errors OpenAI gives — malformed JSON and wrong types are a 400 whose <c>param</c> names the field
/// ("Invalid type for 'temperature': expected a number, but got a string instead."). Unknown fields are ignored.
/// </summary>
internal static class OpenAiJson
{
    /// <summary>Case-sensitive property names, strict numbers, non-ASCII text written as is.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Reads the request body as <typeparamref name="T"/>.</summary>
    /// <exception cref="OpenAiRequestException">the body is not JSON, not an object, or a field has the wrong type.</exception>
    public static async Task<T> ReadBodyAsync<T>(HttpRequest request, CancellationToken cancel) where T : class
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, default, cancel);
        }
        catch (JsonException e)
        {
            throw new OpenAiRequestException($"We could not parse the JSON body of your request: {e.Message}", null);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new OpenAiRequestException($"The request body must be a JSON object, not {Describe(root)}.", null);
            try
            {
                return root.Deserialize<T>(Options)!;
            }
            catch (JsonException e)
            {
                throw TypeError(typeof(T), root, e.Path);
            }
        }
    }

    /// <summary>"a string", "an array", or the number itself: what a client sent, for messages.</summary>
    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>Explains a deserialization failure at <paramref name="path"/> ("$.messages[0].role") in terms of
    /// the JSON the field expects, found from the DTO's [JsonPropertyName]s.</summary>
    private static OpenAiRequestException TypeError(Type root, JsonElement body, string? path)
    {
        var segments = ParsePath(path);
        Type? type = root;
        JsonElement? value = body;
        foreach (var segment in segments)
        {
            type = type is null ? null : MemberType(type, segment);
            value = value is { } v ? Child(v, segment) : null;
        }
        var param = FormatParam(segments);
        var got = value is { } found ? Describe(found) : "something else";
        return new OpenAiRequestException($"Invalid type for '{param}': expected {Expected(type)}, but got {got} instead.", param);
    }

    private static List<object> ParsePath(string? path)
    {
        // System.Text.Json writes paths as $.name, $['odd.name'] and [index].
        var segments = new List<object>();
        if (string.IsNullOrEmpty(path)) return segments;
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                if (end < 0) end = path.Length;
                segments.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0) break;
                segments.Add(path[(i + 2)..end]);
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), out var index)) break;
                segments.Add(index);
                i = end + 1;
            }
            else break;
        }
        return segments;
    }

    private static string FormatParam(List<object> segments)
    {
        var s = new StringBuilder();
        foreach (var segment in segments)
        {
            if (segment is int index) s.Append('[').Append(index).Append(']');
            else s.Append(s.Length == 0 ? "" : ".").Append(segment);
        }
        return s.ToString();
    }

    private static Type? MemberType(Type type, object segment)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (segment is int) return ElementType(type);
        var name = (string)segment;
        if (DictionaryValueType(type) is { } valueType) return valueType;
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if ((p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? p.Name) == name) return p.PropertyType;
        return null;
    }

    private static JsonElement? Child(JsonElement value, object segment) => segment switch
    {
        int i when value.ValueKind == JsonValueKind.Array && i < value.GetArrayLength() => value[i],
        string name when value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name, out var p) => p,
        _ => null,
    };

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
            : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static Type? DictionaryValueType(Type type) =>
        type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>))?.GetGenericArguments()[1];

    private static string Expected(Type? type)
    {
        if (type is null) return "a different value";
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "a string";
        if (type == typeof(bool)) return "a boolean";
        if (type == typeof(int) || type == typeof(long)) return "an integer";
        if (type == typeof(float) || type == typeof(double)) return "a number";
        if (DictionaryValueType(type) is not null) return "an object";
        if (ElementType(type) is not null) return "an array";
        return "an object";
    }
}
