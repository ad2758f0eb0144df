using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
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
        catch (JsonException e) when (e.InnerException?.Message.Contains("UTF-8", StringComparison.Ordinal) == true)
        {
            // System.Text.Json reports text it cannot transcode as the cause of a failed string conversion.
            throw new ArgumentException($"the request body is not valid UTF-8 JSON: {e.InnerException.Message.TrimEnd('.')}{At(e)}");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"invalid JSON in the request body: {Describe(e)}");
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

    // System.Text.Json names .NET types ("System.Int32") or token types; say which field wants which JSON type instead.
    private static string Describe(JsonException e)
    {
        var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? null : e.Path[2..];
        var mismatch = e.InnerException is null ? null
            : Regex.Match(e.InnerException.Message, @"token type '(\w+)' as an? (\w+)");
        if (field is not null && mismatch is { Success: true })
            return $"{field} must be {Article(mismatch.Groups[2].Value)}, not {Article(mismatch.Groups[1].Value.ToLowerInvariant())}";
        var target = Regex.Match(e.Message, @"could not be converted to ([^\s]+?)\.? Path");
        if (target.Success)
            return $"{field ?? "the body"} must be {JsonTypeOf(target.Groups[1].Value)}";
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut >= 0) message = message[..cut];
        return $"{message.TrimEnd('.')}{At(e)}";
    }

    private static string JsonTypeOf(string clrType) =>
        clrType.Contains("IReadOnlyList", StringComparison.Ordinal) || clrType.EndsWith("[]", StringComparison.Ordinal) ? "an array"
        : clrType.Contains("Int32", StringComparison.Ordinal) || clrType.Contains("Int64", StringComparison.Ordinal) ? "an integer"
        : clrType.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
        : clrType.Contains("String", StringComparison.Ordinal) ? "a string"
        : "a JSON object";

    private static string Article(string type) => type switch
    {
        "startarray" => "an array",
        "startobject" => "an object",
        "true" or "false" => "a boolean",
        "number" or "string" or "boolean" => "a " + type,
        "integer" => "an integer",
        _ => type,
    };

    private static string At(JsonException e) => string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" at {e.Path[2..]}";
}
