namespace Takase.Server.Persistence;

/// <summary>What a person said about an answer.</summary>
public enum FeedbackKind
{
    /// <summary>A thumb (+1/−1) or a score of 1–5 for one answer.</summary>
    Rating,
    /// <summary>An operator's corrected answer (<see cref="FeedbackEvent.EditedText"/>) replacing <see cref="FeedbackEvent.Answer"/>.</summary>
    Edit,
    /// <summary>Of two answers side by side, the one from <see cref="FeedbackEvent.Target"/> was preferred over <see cref="FeedbackEvent.OtherTarget"/>'s.</summary>
    Preference,
}

/// <summary>
/// One feedback event, the material `takase router train` learns from. The conversation text (prompt, answer, edit,
/// comment) is encrypted at rest; the rest (who, which target, which route) stays queryable.
/// </summary>
public sealed record FeedbackEvent
{
    /// <summary>Unique id ("fb_…"); recording the same id twice stores it once, so retries are safe.</summary>
    public string Id { get; init; } = NewId();
    /// <summary>When it was given.</summary>
    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;
    /// <summary>What kind of feedback.</summary>
    public required FeedbackKind Kind { get; init; }
    /// <summary>Who gave it (an API key id or an operator name), when known.</summary>
    public string? Author { get; init; }
    /// <summary>The routing decision of the answer, when it was routed.</summary>
    public string? RouteId { get; init; }
    /// <summary>The operator ticket the answer belongs to, if any.</summary>
    public string? TicketId { get; init; }
    /// <summary>The target that produced the rated answer, or the preferred one.</summary>
    public string? Target { get; init; }
    /// <summary>For a preference: the target whose answer lost.</summary>
    public string? OtherTarget { get; init; }
    /// <summary>For a rating: +1 or −1.</summary>
    public int? Thumb { get; init; }
    /// <summary>For a rating: 1 (bad) to 5 (excellent).</summary>
    public int? Score { get; init; }
    /// <summary>The prompt answered (encrypted at rest).</summary>
    public string? Prompt { get; init; }
    /// <summary>The answer rated, edited, or preferred (encrypted at rest).</summary>
    public string? Answer { get; init; }
    /// <summary>For an edit: the corrected answer (encrypted at rest).</summary>
    public string? EditedText { get; init; }
    /// <summary>A free-text comment (encrypted at rest).</summary>
    public string? Comment { get; init; }

    /// <summary>A fresh feedback id.</summary>
    public static string NewId() => "fb_" + Guid.CreateVersion7().ToString("N");

    /// <summary>Throws an <see cref="ArgumentException"/> saying what is missing or out of range for the kind.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Id) || Id.Length > 100) throw new ArgumentException($"feedback id '{Id}' must be 1–100 characters");
        switch (Kind)
        {
            case FeedbackKind.Rating:
                if (Thumb is null && Score is null) throw new ArgumentException("a rating needs a thumb (+1/-1) or a score (1-5)");
                if (Thumb is not (null or 1 or -1)) throw new ArgumentException($"thumb must be +1 or -1, not {Thumb}");
                if (Score is not null and not (>= 1 and <= 5)) throw new ArgumentException($"score must be 1 to 5, not {Score}");
                break;
            case FeedbackKind.Edit:
                if (string.IsNullOrEmpty(EditedText)) throw new ArgumentException("an edit needs the edited text");
                if (Thumb is not null || Score is not null) throw new ArgumentException("an edit carries no thumb or score; record a rating beside it");
                break;
            case FeedbackKind.Preference:
                if (string.IsNullOrEmpty(Target) || string.IsNullOrEmpty(OtherTarget))
                    throw new ArgumentException("a preference needs the preferred target and the other target");
                if (Target == OtherTarget) throw new ArgumentException($"a preference compares two different targets, not '{Target}' with itself");
                if (Thumb is not null || Score is not null) throw new ArgumentException("a preference carries no thumb or score");
                break;
            default:
                throw new ArgumentException($"unknown feedback kind {Kind}");
        }
    }
}
