namespace Takase.Server.Persistence;

/// <summary>
/// One operator or admin action: who did what to which record, when. Details are stored in clear for auditors, so they
/// name records and settings, never conversation text.
/// </summary>
/// <param name="Id">Sequence number, assigned when stored (0 before).</param>
/// <param name="At">When it happened.</param>
/// <param name="Actor">Who: an API key id or operator name.</param>
/// <param name="Action">What, as a dotted verb ("ticket.answer", "apikey.revoke").</param>
/// <param name="Subject">The record acted on ("tk_…", "key_…"), if any.</param>
/// <param name="Details">More context (JSON or a sentence), if any.</param>
public sealed record AuditEntry(long Id, DateTimeOffset At, string Actor, string Action, string? Subject = null, string? Details = null)
{
    /// <summary>An entry to append, stamped now.</summary>
    public static AuditEntry New(string actor, string action, string? subject = null, string? details = null) =>
        new(0, DateTimeOffset.UtcNow, actor, action, subject, details);
}
