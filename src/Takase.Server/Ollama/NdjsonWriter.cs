using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Takase.Server.Ollama;

/// <summary>
/// Writes a streamed Ollama answer: application/x-ndjson, one JSON object per line, each line ending in "\n" and
/// flushed at once so the client sees every token as it is made. Headers go out with the first line, so an error
/// found before it can still be answered with a proper status; after it, errors become a final {"error": "…"} line
/// (what Ollama does, and what its clients look for).
/// </summary>
public sealed class NdjsonWriter(HttpResponse response)
{
    /// <summary>The media type of Ollama's streams.</summary>
    public const string ContentType = "application/x-ndjson";

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    /// <summary>True once the first line (and so the 200 status) went out.</summary>
    public bool Started { get; private set; }

    /// <summary>Writes one object as one line and flushes it.</summary>
    public async Task WriteAsync<T>(T value, CancellationToken cancel)
    {
        if (!Started)
        {
            // A routed request waiting for an operator may have started the stream with its status line.
            if (!response.HasStarted)
            {
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = ContentType;
                response.Headers.CacheControl = "no-cache";
                response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            }
            Started = true;
        }
        _buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = OllamaJson.Options.Encoder }))
            JsonSerializer.Serialize(json, value, OllamaJson.Options);
        _buffer.Write("\n"u8);
        await response.Body.WriteAsync(_buffer.WrittenMemory, cancel);
        await response.Body.FlushAsync(cancel);
    }

    /// <summary>Ends the stream with {"error": message}.</summary>
    public Task WriteErrorAsync(string message, CancellationToken cancel) => WriteAsync(new StreamError(message), cancel);

    private sealed record StreamError([property: System.Text.Json.Serialization.JsonPropertyName("error")] string Error);
}
