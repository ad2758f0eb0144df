namespace Takase.Server.Persistence;

/// <summary>Where a ticket is in its life.</summary>
public enum TicketStatus
{
    /// <summary>Waiting for an operator.</summary>
    Waiting,
    /// <summary>An operator answered; the conversation may go on.</summary>
    Answered,
    /// <summary>Done: no more answers or reassignments.</summary>
    Closed,
}

/// <summary>A request handed to a person: why, which route led here, who has it and where it stands.</summary>
public sealed record Ticket
{
    /// <summary>Unique id ("tk_…").</summary>
    public string Id { get; init; } = "tk_" + Guid.CreateVersion7().ToString("N");
    /// <summary>When it was opened.</summary>
    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;
    /// <summary>When it last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>Where it stands.</summary>
    public TicketStatus Status { get; init; } = TicketStatus.Waiting;
    /// <summary>Why it went to a person ("router chose human", "policy: complaint", "user asked").</summary>
    public required string Reason { get; init; }
    /// <summary>The routing decision, when the router sent it.</summary>
    public string? RouteId { get; init; }
    /// <summary>The operator who has it, if assigned.</summary>
    public string? Assignee { get; init; }
    /// <summary>When it was closed.</summary>
    public DateTimeOffset? ClosedAt { get; init; }
}

/// <summary>One message of a ticket's conversation; the text is encrypted at rest.</summary>
/// <param name="Seq">Position in the conversation, from 1.</param>
/// <param name="Role">"user", "assistant", "system", "operator" or "draft" (an AI draft for the operator).</param>
/// <param name="Content">The text.</param>
/// <param name="Author">Who wrote it (an operator's name or key id), when a person did.</param>
/// <param name="CreatedAt">When it was added.</param>
public sealed record TicketMessage(int Seq, string Role, string Content, string? Author, DateTimeOffset CreatedAt)
{
    /// <summary>The roles a message may have.</summary>
    public static IReadOnlySet<string> Roles { get; } = new HashSet<string>(StringComparer.Ordinal) { "user", "assistant", "system", "operator", "draft" };

    /// <summary>A message to append (its sequence number and time are assigned when stored).</summary>
    public static TicketMessage New(string role, string content, string? author = null) => new(0, role, content, author, DateTimeOffset.UtcNow);
}
