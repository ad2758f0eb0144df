using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Takase.Server.OpenAI;

/// <summary>
/// Server-sent events as OpenAI streams them: every event is one line <c>data: {json}</c> followed by a blank line,
/// flushed at once so each token reaches the client as it is made, and the stream ends with <c>data: [DONE]</c>.
/// </summary>
internal sealed class SseWriter(HttpResponse response)
{
    private static readonly byte[] Prefix = "data: "u8.ToArray();
    private static readonly byte[] Separator = "\n\n"u8.ToArray();
    private static readonly byte[] Done = Encoding.UTF8.GetBytes("data: [DONE]\n\n");

    /// <summary>Sends the status and headers; errors from here on travel as events.</summary>
    public async Task StartAsync(CancellationToken cancel)
    {
        if (response.HasStarted) return; // a routed request waiting for an operator started it with its status chunk
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // reverse proxies such as nginx must not hold the events back
        await response.StartAsync(cancel);
    }

    /// <summary>Writes one event and flushes it.</summary>
    public async Task WriteAsync<T>(T payload, CancellationToken cancel)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(payload, OpenAiJson.Options);
        var bytes = new byte[Prefix.Length + json.Length + Separator.Length];
        Prefix.CopyTo(bytes, 0);
        json.CopyTo(bytes, Prefix.Length);
        Separator.CopyTo(bytes, Prefix.Length + json.Length);
        await response.Body.WriteAsync(bytes, cancel);
        await response.Body.FlushAsync(cancel);
    }

    /// <summary>Writes the final <c>data: [DONE]</c>.</summary>
    public async Task WriteDoneAsync(CancellationToken cancel)
    {
        await response.Body.WriteAsync(Done, cancel);
        await response.Body.FlushAsync(cancel);
    }
}
