using System.Net;
using System.Text;
using System.Text.Json;

namespace Takase.Server.Tests.OpenAI;

/// <summary>Raw HTTP against the /v1 routes: JSON in, the status and parsed JSON (or the SSE events) out.</summary>
internal static class OpenAiHttp
{
    /// <summary>The golden greedy continuation of "Once upon a time" by stories260K (llama.cpp b10573, from
    /// shared/data/models/README.md, with the prompt removed).</summary>
    public const string StoriesGreedy = ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily";

    /// <summary>Token ids of "Once upon a time, there was a little girl named Lily." with BOS (shared README).</summary>
    public static readonly int[] LilyTokens = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426];

    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient http, string path, object body)
    {
        var json = body as string ?? JsonSerializer.Serialize(body);
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(path, content, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json", $"{path} answered {response.StatusCode} with {response.Content.Headers.ContentType}: {text}");
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>POSTs a streaming request and checks the framing byte for byte: status 200, text/event-stream, every
    /// event exactly "data: …\n\n", the last one "data: [DONE]\n\n". Returns the JSON of the events before [DONE].</summary>
    public static async Task<List<JsonElement>> StreamAsync(HttpClient http, string path, object body)
    {
        using var content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(path, content, TestContext.Current.CancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        var text = Encoding.UTF8.GetString(bytes);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {response.StatusCode}: {text}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("data: [DONE]\n\n", text);
        var events = text.Split("\n\n");
        Assert.Equal("", events[^1]); // the body ends with a separator
        Assert.Equal("data: [DONE]", events[^2]);
        var payloads = new List<JsonElement>();
        foreach (var e in events[..^2])
        {
            Assert.StartsWith("data: {", e);
            Assert.DoesNotContain('\n', e); // one line per event, no comments or other fields
            payloads.Add(JsonDocument.Parse(e["data: ".Length..]).RootElement.Clone());
        }
        return payloads;
    }

    /// <summary>Asserts an OpenAI-shaped error: the status, error.type, and error.param.</summary>
    public static void AssertError(HttpStatusCode expected, string? param, (HttpStatusCode Status, JsonElement Body) response, string type = "invalid_request_error")
    {
        Assert.True(expected == response.Status, $"expected {expected}, got {response.Status}: {response.Body}");
        var error = response.Body.GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.True(error.TryGetProperty("code", out _), "error.code is always present (null or a code)");
    }
}
