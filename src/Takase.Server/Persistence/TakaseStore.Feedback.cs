using Dapper;

namespace Takase.Server.Persistence;

public sealed partial class TakaseStore
{
    /// <inheritdoc />
    public Task AddFeedbackAsync(FeedbackEvent feedback, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        feedback.Validate();
        var row = new
        {
            feedback.Id,
            CreatedMs = Ms(feedback.CreatedAt),
            Kind = feedback.Kind.ToString().ToLowerInvariant(),
            feedback.Author,
            feedback.RouteId,
            feedback.TicketId,
            feedback.Target,
            feedback.OtherTarget,
            Thumb = (long?)feedback.Thumb,
            Score = (long?)feedback.Score,
            Prompt = _cipher.Encrypt(feedback.Prompt, Place("prompt", feedback.Id)),
            Answer = _cipher.Encrypt(feedback.Answer, Place("answer", feedback.Id)),
            EditedText = _cipher.Encrypt(feedback.EditedText, Place("edited_text", feedback.Id)),
            Comment = _cipher.Encrypt(feedback.Comment, Place("comment", feedback.Id)),
        };
        return RunAsync($"record feedback {feedback.Id}", c => c.ExecuteAsync(Sql("""
            INSERT INTO feedback (id, created_ms, kind, author, route_id, ticket_id, target, other_target, thumb, score, prompt, answer, edited_text, comment)
            VALUES (@Id, @CreatedMs, @Kind, @Author, @RouteId, @TicketId, @Target, @OtherTarget, @Thumb, @Score, @Prompt, @Answer, @EditedText, @Comment)
            ON CONFLICT (id) DO NOTHING;
            """, row, cancel: cancel)), cancel);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<FeedbackEvent>> ListFeedbackAsync(DateTimeOffset? since = null, int limit = 1000, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return RunAsync("read feedback", async c =>
        {
            var rows = await c.QueryAsync<FeedbackRow>(Sql("""
                SELECT id AS Id, created_ms AS CreatedMs, kind AS Kind, author AS Author, route_id AS RouteId, ticket_id AS TicketId,
                       target AS Target, other_target AS OtherTarget, thumb AS Thumb, score AS Score,
                       prompt AS Prompt, answer AS Answer, edited_text AS EditedText, comment AS Comment
                FROM feedback WHERE created_ms >= @Since ORDER BY created_ms, id LIMIT @Limit;
                """, new { Since = since is { } s ? Ms(s) : long.MinValue, Limit = (long)limit }, cancel: cancel));
            return (IReadOnlyList<FeedbackEvent>)rows.Select(ToFeedback).ToList();
        }, cancel);
    }

    private static string Place(string column, string id) => $"feedback.{column}:{id}";

    private FeedbackEvent ToFeedback(FeedbackRow r) => new()
    {
        Id = r.Id,
        CreatedAt = Time(r.CreatedMs),
        Kind = Enum.Parse<FeedbackKind>(r.Kind, ignoreCase: true),
        Author = r.Author,
        RouteId = r.RouteId,
        TicketId = r.TicketId,
        Target = r.Target,
        OtherTarget = r.OtherTarget,
        Thumb = (int?)r.Thumb,
        Score = (int?)r.Score,
        Prompt = _cipher.Decrypt(r.Prompt, Place("prompt", r.Id)),
        Answer = _cipher.Decrypt(r.Answer, Place("answer", r.Id)),
        EditedText = _cipher.Decrypt(r.EditedText, Place("edited_text", r.Id)),
        Comment = _cipher.Decrypt(r.Comment, Place("comment", r.Id)),
    };

    private sealed class FeedbackRow
    {
        public string Id { get; set; } = "";
        public long CreatedMs { get; set; }
        public string Kind { get; set; } = "";
        public string? Author { get; set; }
        public string? RouteId { get; set; }
        public string? TicketId { get; set; }
        public string? Target { get; set; }
        public string? OtherTarget { get; set; }
        public long? Thumb { get; set; }
        public long? Score { get; set; }
        public byte[]? Prompt { get; set; }
        public byte[]? Answer { get; set; }
        public byte[]? EditedText { get; set; }
        public byte[]? Comment { get; set; }
    }
}
