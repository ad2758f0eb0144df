using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Takase.Server.Ollama;

/// <summary>
/// How the Ollama API reads and writes JSON: property names are matched case-insensitively and unknown fields are
/// ignored (as Go's encoding/json does), numbers must be numbers, and fields that are null are left out of answers
/// (Go's omitempty). A body that is not JSON, or not the JSON the route expects, is a 400 that says what is wrong.
/// </summary>
public static class OllamaJson
{
    /// <summary>Serializer settings for every Ollama request and response.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNameCaseInsensitive = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    /// <summary>Reads the request body as <typeparamref name="T"/>.</summary>
    /// <exception cref="ArgumentException">the body is missing, not UTF-8 JSON, or has a field of the wrong type.</exception>
    public static async Task<T> ReadAsync<T>(HttpRequest request) where T : class
    {
        T? value;
        try
        {
            value = await JsonSerializer.DeserializeAsync<T>(request.Body, Options, request.HttpContext.RequestAborted);
        }
        catch (JsonException e) when (IsEmptyInput(e))
        {
            throw new ArgumentException("missing request body; send a JSON object such as {\"model\": \"name\", ...}");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"invalid JSON in the request body: {Describe(e)}");
        }
        catch (Exception e) when (e is InvalidOperationException or DecoderFallbackException or ArgumentException && e is not BadHttpRequestException)
        {
            // System.Text.Json reports text it cannot transcode (invalid UTF-8) this way.
            throw new ArgumentException($"the request body is not valid UTF-8 JSON: {e.Message}");
        }
        return value ?? throw new ArgumentException("the request body is JSON null; send a JSON object such as {\"model\": \"name\", ...}");
    }

    /// <summary>Serializes <paramref name="value"/> as the whole response body (application/json).</summary>
    public static Task WriteAsync<T>(HttpResponse response, T value, int status = StatusCodes.Status200OK)
    {
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        return response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(value, Options), response.HttpContext.RequestAborted).AsTask();
    }

    private static bool IsEmptyInput(JsonException e) =>
        e.Message.Contains("does not contain any JSON tokens", StringComparison.Ordinal);

    // System.Text.Json messages name .NET types ("System.Int32"); say the JSON type the field wants instead.
    private static string Describe(JsonException e)
    {
        var path = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" at {e.Path[2..]}";
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut >= 0) message = message[..cut];
        foreach (var (clr, json) in ClrNames)
            message = message.Replace(clr, json, StringComparison.Ordinal);
        return $"{message.TrimEnd('.')}{path}";
    }

    private static readonly (string Clr, string Json)[] ClrNames =
    [
        ("System.Collections.Generic.IReadOnlyList`1[System.Int32]", "an array of integers"),
        ("System.Collections.Generic.IReadOnlyList`1[System.String]", "an array of strings"),
        ("System.Int32", "an integer"),
        ("System.Int64", "an integer"),
        ("System.Boolean", "true or false"),
        ("System.String", "a string"),
        ("System.Nullable`1[an integer]", "an integer"),
        ("System.Nullable`1[true or false]", "true or false"),
    ];
}
