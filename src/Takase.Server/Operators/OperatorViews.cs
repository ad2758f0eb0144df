using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Takase.Routing.Targets;
using Takase.Server.Persistence;

namespace Takase.Server.Operators;

/// <summary>A ticket as the operator API shows it (the queue's rows and the head of the ticket view).</summary>
public sealed record TicketView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("profile")] string? Profile,
    [property: JsonPropertyName("route_id")] string? RouteId,
    [property: JsonPropertyName("assignee")] string? Assignee,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("updated_at")] DateTimeOffset UpdatedAt,
    [property: JsonPropertyName("waiting_seconds")] double WaitingSeconds,
    [property: JsonPropertyName("preview")] string Preview,
    [property: JsonPropertyName("has_draft")] bool HasDraft)
{
    /// <summary>Longest preview of the first user message.</summary>
    public const int PreviewLength = 140;

    /// <summary>
    /// The view of <paramref name="t"/>. Waiting time runs from opening until now, or until closing for a closed
    /// ticket, so the queue sorts and colours by how long the person has been kept waiting.
    /// </summary>
    public static TicketView Of(Ticket t, IReadOnlyList<TicketMessage> messages, string? profile, DateTimeOffset now)
    {
        var first = messages.FirstOrDefault(m => m.Role == "user")?.Content ?? "";
        var preview = first.Length <= PreviewLength ? first : first[..(PreviewLength - 1)] + "…";
        var until = t.ClosedAt ?? now;
        return new(t.Id, Name(t.Status), t.Reason, profile, t.RouteId, t.Assignee, t.CreatedAt, t.UpdatedAt,
            Math.Round(Math.Max(0, (until - t.CreatedAt).TotalSeconds), 3), preview, messages.Any(m => m.Role == "draft"));
    }

    /// <summary>"waiting", "answered" or "closed".</summary>
    public static string Name(TicketStatus s) => s.ToString().ToLowerInvariant();
}

/// <summary>One message of a ticket.</summary>
public sealed record TicketMessageView(
    [property: JsonPropertyName("seq")] int Seq,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("author")] string? Author,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt)
{
    /// <summary>The view of a stored message.</summary>
    public static TicketMessageView Of(TicketMessage m) => new(m.Seq, m.Role, m.Content, m.Author, m.CreatedAt);
}

/// <summary>
/// GET /api/operator/tickets/{id}: the ticket, its conversation, the latest AI draft, every draft (oldest first, so the
/// console can put two targets' drafts side by side) and the routing explanation.
/// </summary>
public sealed record TicketDetailView(
    [property: JsonPropertyName("ticket")] TicketView Ticket,
    [property: JsonPropertyName("messages")] IReadOnlyList<TicketMessageView> Messages,
    [property: JsonPropertyName("draft")] string? Draft,
    [property: JsonPropertyName("drafts")] IReadOnlyList<DraftView> Drafts,
    [property: JsonPropertyName("route")] JsonNode? Route);

/// <summary>One AI draft of a ticket and the target that wrote it.</summary>
public sealed record DraftView(
    [property: JsonPropertyName("seq")] int Seq,
    [property: JsonPropertyName("target")] string? Target,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt)
{
    /// <summary>The view of a stored "draft" message (its author is the target).</summary>
    public static DraftView Of(TicketMessage m) => new(m.Seq, m.Author, m.Content, m.CreatedAt);
}

/// <summary>GET /api/operator/targets: a target an operator may ask for a draft.</summary>
public sealed record DraftTargetView(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("privacy")] string Privacy)
{
    /// <summary>The view of a configured target.</summary>
    public static DraftTargetView Of(TargetDefinition t) => new(t.Name, t.Kind.ToString().ToLowerInvariant(), t.Privacy.ToString().ToLowerInvariant());
}

/// <summary>GET /api/tickets/{id}: what the client that asked not to wait polls.</summary>
public sealed record ClientTicketView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("answer")] string? Answer,
    [property: JsonPropertyName("messages")] IReadOnlyList<TicketMessageView> Messages);

/// <summary>POST /api/operator/tickets/{id}/answer.</summary>
public sealed record AnswerRequest
{
    /// <summary>The answer the client receives.</summary>
    [JsonPropertyName("content")] public string? Content { get; init; }
    /// <summary>Close the ticket after answering.</summary>
    [JsonPropertyName("close")] public bool Close { get; init; }
}

/// <summary>POST /api/operator/tickets/{id}/assign.</summary>
public sealed record AssignRequest
{
    /// <summary>The operator who takes the ticket, or null to put it back in the queue.</summary>
    [JsonPropertyName("assignee")] public string? Assignee { get; init; }
    /// <summary>Take the ticket even when another operator holds it (otherwise that is a 409 naming them).</summary>
    [JsonPropertyName("force")] public bool Force { get; init; }
}

/// <summary>POST /api/operator/tickets/{id}/rating: "up"/"down" or 1..5, and an optional comment.</summary>
public sealed record RatingRequest
{
    /// <summary>"up", "down", or a score from 1 to 5.</summary>
    [JsonPropertyName("rating")] public JsonElement Rating { get; init; }
    /// <summary>Why, in the operator's words.</summary>
    [JsonPropertyName("comment")] public string? Comment { get; init; }
}

/// <summary>POST /api/operator/tickets/{id}/draft: the optional body.</summary>
public sealed record DraftRequest
{
    /// <summary>The local or remote target to write the draft; null for the human target's DraftTarget.</summary>
    [JsonPropertyName("target")] public string? Target { get; init; }
}

/// <summary>POST /api/operator/tickets/{id}/preference: of two targets' drafts on the ticket, which one is better.</summary>
public sealed record PreferenceRequest
{
    /// <summary>The target whose draft is better.</summary>
    [JsonPropertyName("chosen")] public string? Chosen { get; init; }
    /// <summary>The target whose draft is worse.</summary>
    [JsonPropertyName("rejected")] public string? Rejected { get; init; }
}

/// <summary>The operator API's JSON: the contract's snake_case names, nulls written (the console reads "draft": null).</summary>
internal static class OperatorJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNameCaseInsensitive = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };
}
