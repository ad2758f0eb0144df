using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Takase.Server.Persistence;

namespace Takase.Server.Routing;

/// <summary>
/// How a routed request waits when it reaches a human target: a streamed request gets a status chunk at once (Ollama:
/// empty content and <c>"takase":{"status":"waiting_for_operator","ticket_id":…}</c>; OpenAI SSE: an empty delta and
/// the same object), then the operator's answer as ordinary content; a request that asks not to wait
/// (<c>Prefer: respond-async</c>) gets 202 with the ticket to poll. Non-streamed requests simply wait up to the SLA.
/// </summary>
public sealed class OperatorWait
{
    /// <summary>The status a waiting request reports.</summary>
    public const string WaitingStatus = "waiting_for_operator";

    private readonly HttpContext _http;
    private readonly Func<TicketStatusChunk, object>? _statusChunk;
    private readonly bool _sse;

    private OperatorWait(HttpContext http, bool async, Func<TicketStatusChunk, object>? statusChunk, bool sse)
    {
        _http = http;
        Async = async;
        _statusChunk = statusChunk;
        _sse = sse;
    }

    /// <summary>The client asked not to wait: the request ends with 202 and the ticket id once the ticket is open.</summary>
    public bool Async { get; }

    /// <summary>Ollama's /api/chat (<paramref name="stream"/>: NDJSON status line).</summary>
    public static OperatorWait OllamaChat(HttpContext http, string profile, bool stream) => new(http, AsksNotToWait(http.Request),
        stream ? s => new { model = profile, created_at = DateTime.UtcNow, message = new { role = "assistant", content = "" }, done = false, takase = s } : null, sse: false);

    /// <summary>Ollama's /api/generate.</summary>
    public static OperatorWait OllamaGenerate(HttpContext http, string profile, bool stream) => new(http, AsksNotToWait(http.Request),
        stream ? s => new { model = profile, created_at = DateTime.UtcNow, response = "", done = false, takase = s } : null, sse: false);

    /// <summary>OpenAI's /v1/chat/completions (<paramref name="stream"/>: an SSE chunk with an empty delta).</summary>
    public static OperatorWait OpenAiChat(HttpContext http, string profile, bool stream) => new(http, AsksNotToWait(http.Request),
        stream ? s => new
        {
            id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..24],
            @object = "chat.completion.chunk",
            created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            model = profile,
            choices = new[] { new { index = 0, delta = new { role = "assistant", content = "" }, finish_reason = (string?)null } },
            takase = s,
        } : null, sse: true);

    /// <summary>OpenAI's /v1/completions.</summary>
    public static OperatorWait OpenAiCompletion(HttpContext http, string profile, bool stream) => new(http, AsksNotToWait(http.Request),
        stream ? s => new
        {
            id = "cmpl-" + Guid.NewGuid().ToString("N")[..24],
            @object = "text_completion",
            created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            model = profile,
            choices = new[] { new { index = 0, text = "", finish_reason = (string?)null } },
            takase = s,
        } : null, sse: true);

    /// <summary><c>Prefer: respond-async</c> (RFC 7240), in any of the header's values.</summary>
    public static bool AsksNotToWait(HttpRequest request) =>
        request.Headers["Prefer"].Any(v => v is not null && v.Split(',').Any(p => p.Trim().Split(';')[0].Trim().Equals("respond-async", StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// The ticket is open and the request waits: a streamed request gets its status chunk now (with the route header,
    /// since the response starts here).
    /// </summary>
    public async Task WaitingAsync(Ticket ticket, CancellationToken cancel)
    {
        if (_statusChunk is null) return;
        var response = _http.Response;
        if (!response.HasStarted)
        {
            if (ticket.RouteId is { } id) response.Headers[RouterApi.RouteHeader] = id;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = _sse ? "text/event-stream; charset=utf-8" : "application/x-ndjson";
            response.Headers.CacheControl = "no-cache";
            if (_sse) response.Headers["X-Accel-Buffering"] = "no";
            _http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        }
        _http.Items[typeof(OperatorWait)] = this;
        var json = JsonSerializer.Serialize(_statusChunk(new TicketStatusChunk(WaitingStatus, ticket.Id)), Json);
        await response.WriteAsync(_sse ? $"data: {json}\n\n" : json + "\n", cancel);
        await response.Body.FlushAsync(cancel);
    }

    /// <summary>The wait whose status chunk started this response, if one did.</summary>
    internal static OperatorWait? StartedFor(HttpContext http) => http.Items[typeof(OperatorWait)] as OperatorWait;

    /// <summary>
    /// Ends a stream that began with the status chunk when no target could answer after all (the SLA passed and the
    /// fallback failed): the error goes into the stream, as any error after the first chunk does.
    /// </summary>
    internal async Task FailedAsync(string message)
    {
        var cancel = _http.RequestAborted;
        var json = _sse
            ? JsonSerializer.Serialize(new { error = new { message, type = "server_error", param = (string?)null, code = "all_targets_failed" } }, Json)
            : JsonSerializer.Serialize(new { error = message }, Json);
        await _http.Response.WriteAsync(_sse ? $"data: {json}\n\ndata: [DONE]\n\n" : json + "\n", cancel);
        await _http.Response.Body.FlushAsync(cancel);
    }

    /// <summary>Answers a request that asked not to wait: 202 with the ticket id and where to poll it.</summary>
    public static Task AcceptedAsync(HttpContext http, string ticketId)
    {
        http.Response.StatusCode = StatusCodes.Status202Accepted;
        http.Response.Headers.Location = $"/api/tickets/{ticketId}";
        return http.Response.WriteAsJsonAsync(new { ticket_id = ticketId, status_url = $"/api/tickets/{ticketId}" });
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };
}

/// <summary>The "takase" object of a waiting request's status chunk.</summary>
public sealed record TicketStatusChunk(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("ticket_id")] string TicketId);
