using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Takase.Server.Tests.Ollama;

/// <summary>
/// Test helpers for the Ollama routes: post JSON, and read NDJSON streams byte by byte, checking the framing Ollama's
/// clients rely on (application/x-ndjson, one JSON object per line, every line ending in "\n", nothing else).
/// </summary>
internal static class Ndjson
{
    public static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>POSTs <paramref name="body"/> (an object or raw JSON text) and returns status and parsed JSON body.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient http, string path, object body)
    {
        using HttpContent content = body is string text ? new StringContent(text, Encoding.UTF8, "application/json") : JsonContent.Create(body);
        using var response = await http.PostAsync(path, content, Cancel);
        var raw = await response.Content.ReadAsStringAsync(Cancel);
        return (response.StatusCode, raw.Length == 0 ? default : JsonDocument.Parse(raw).RootElement.Clone());
    }

    /// <summary>POSTs and requires 200.</summary>
    public static async Task<JsonElement> PostOkAsync(HttpClient http, string path, object body)
    {
        var (status, json) = await PostAsync(http, path, body);
        Assert.True(status == HttpStatusCode.OK, $"{path} answered {(int)status}: {json}");
        return json;
    }

    /// <summary>POSTs a streaming request and returns each line as JSON, after checking the framing byte by byte.</summary>
    public static async Task<List<JsonElement>> StreamAsync(HttpClient http, string path, object body)
    {
        using var content = JsonContent.Create(body);
        using var response = await http.PostAsync(path, content, Cancel);
        var bytes = await response.Content.ReadAsByteArrayAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(bytes)}");
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        return Lines(bytes);
    }

    /// <summary>Splits an NDJSON body: each line must be exactly one JSON object, and the body must end with "\n".</summary>
    public static List<JsonElement> Lines(byte[] bytes)
    {
        Assert.NotEmpty(bytes);
        Assert.Equal((byte)'\n', bytes[^1]);
        Assert.DoesNotContain((byte)'\r', bytes);
        var lines = new List<JsonElement>();
        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != '\n') continue;
            var line = bytes.AsSpan(start, i - start);
            Assert.False(line.IsEmpty, $"empty line at byte {start}");
            var reader = new Utf8JsonReader(line);
            var doc = JsonDocument.ParseValue(ref reader);
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
            Assert.Equal(line.Length, (int)reader.BytesConsumed); // nothing after the object on its line
            lines.Add(doc.RootElement.Clone());
            start = i + 1;
        }
        return lines;
    }

    /// <summary>The text of every chunk's field (response, or message.content), concatenated.</summary>
    public static string Text(IEnumerable<JsonElement> chunks, string field = "response") =>
        string.Concat(chunks.Select(c => field == "content" ? c.GetProperty("message").GetProperty("content").GetString() : c.GetProperty(field).GetString()));

    /// <summary>A JSON object from an anonymous object, for requests built up in steps.</summary>
    public static JsonObject Object(object value) => JsonSerializer.SerializeToNode(value)!.AsObject();

    /// <summary>Unloads a model (empty generate with keep_alive 0), so the next request starts with empty caches.</summary>
    public static async Task UnloadAsync(HttpClient http, string model)
    {
        var json = await PostOkAsync(http, "/api/generate", new { model, keep_alive = 0, stream = false });
        Assert.Equal("unload", json.GetProperty("done_reason").GetString());
    }
}
