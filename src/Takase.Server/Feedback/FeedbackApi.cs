using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Takase.Routing;
using Takase.Server.Access;
using Takase.Server.Ollama;
using Takase.Server.Persistence;
using Takase.Server.Routing;

namespace Takase.Server.Feedback;

/// <summary>A feedback event as listed by GET /api/feedback (conversation text decrypted for operators).</summary>
public sealed record FeedbackView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("author")] string? Author,
    [property: JsonPropertyName("route_id")] string? RouteId,
    [property: JsonPropertyName("target")] string? Target,
    [property: JsonPropertyName("other_target")] string? OtherTarget,
    [property: JsonPropertyName("rating")] object? Rating,
    [property: JsonPropertyName("prompt")] string? Prompt,
    [property: JsonPropertyName("answer")] string? Answer,
    [property: JsonPropertyName("corrected")] string? Corrected,
    [property: JsonPropertyName("comment")] string? Comment)
{
    /// <summary>The view of a stored event: a thumb reads "up"/"down", a score its number.</summary>
    public static FeedbackView Of(FeedbackEvent f) => new(f.Id, f.CreatedAt, f.Kind.ToString().ToLowerInvariant(), f.Author, f.RouteId,
        f.Target, f.OtherTarget, f.Thumb is { } t ? (t > 0 ? "up" : "down") : f.Score, f.Prompt, f.Answer, f.EditedText, f.Comment);
}

/// <summary>
/// Feedback over HTTP: POST /api/feedback records a rating, edit or preference (201 when stored, 202 with
/// <c>queued: true</c> while the database is down — it is written when the database is back); GET
/// /api/feedback?route_id=&amp;limit= lists the latest for operators. The author is the caller's key.
/// </summary>
public static class FeedbackApi
{
    /// <summary>Most events one GET returns.</summary>
    public const int MaxList = 1000;

    // The store lists oldest first with no route filter, so the listing reads up to this many and keeps the newest.
    // TODO(store): a newest-first query by route would make this exact beyond 100 000 events.
    private const int ScanLimit = 100_000;

    /// <summary>Maps the routes.</summary>
    public static void Map(WebApplication app)
    {
        app.MapPost("/api/feedback", async (HttpContext http, FeedbackRecorder recorder, OnlineRouterLearning learning) =>
        {
            var request = await OllamaJson.ReadAsync<FeedbackRequest>(http.Request);
            var caller = http.Caller();
            var feedback = request.ToEvent(caller == Caller.Local ? null : caller.Id);
            var recording = await recorder.RecordAsync(feedback, http.RequestAborted);
            learning.Signal(); // learning profiles look at it now, not at the next poll
            if (recording == FeedbackRecording.Stored)
                await OllamaJson.WriteAsync(http.Response, new { id = feedback.Id }, StatusCodes.Status201Created);
            else
                await OllamaJson.WriteAsync(http.Response, new { id = feedback.Id, queued = true }, StatusCodes.Status202Accepted);
        });
        // The router's training data from feedback: `takase router train feedback.jsonl --weak A --strong B`.
        app.MapGet("/api/feedback/routing.jsonl", async (HttpContext http, IFeedbackStore store, IRouteLog routes, ITicketStore tickets, RouterHost host) =>
        {
            var stored = await store.ListFeedbackAsync(limit: ScanLimit, cancel: http.RequestAborted);
            var all = await new FeedbackContext(routes, tickets, OnlineRouterLearning.IsHuman(host)).ResolveAllAsync(stored, http.RequestAborted);
            http.Response.ContentType = "application/x-ndjson; charset=utf-8";
            foreach (var line in FeedbackDataset.ToRoutingJsonl(all))
                await http.Response.WriteAsync(line + "\n", http.RequestAborted);
        });
        app.MapGet("/api/feedback", async (HttpContext http, IFeedbackStore store) =>
        {
            var limit = AdminApi.Limit(http.Request, 100, MaxList);
            var routeId = http.Request.Query["route_id"].ToString() is { Length: > 0 } r ? r : null;
            var all = await store.ListFeedbackAsync(limit: ScanLimit, cancel: http.RequestAborted);
            var latest = all.Where(f => routeId is null || f.RouteId == routeId).Reverse().Take(limit).Select(FeedbackView.Of).ToList();
            await OllamaJson.WriteAsync(http.Response, new { feedback = latest });
        });
    }
}
