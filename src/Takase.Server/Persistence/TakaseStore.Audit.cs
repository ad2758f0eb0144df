using Dapper;

namespace Takase.Server.Persistence;

public sealed partial class TakaseStore
{
    /// <inheritdoc />
    public Task<AuditEntry> AppendAuditAsync(AuditEntry entry, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (string.IsNullOrWhiteSpace(entry.Actor)) throw new ArgumentException("an audit entry needs the actor (who acted)");
        if (string.IsNullOrWhiteSpace(entry.Action)) throw new ArgumentException("an audit entry needs the action (what was done)");
        var at = Time(Ms(entry.At));
        return RunAsync($"append audit entry {entry.Action}", async c =>
        {
            var id = await c.ExecuteScalarAsync<long>(Sql("""
                INSERT INTO audit_log (at_ms, actor, action, subject, details) VALUES (@AtMs, @Actor, @Action, @Subject, @Details) RETURNING id;
                """, new { AtMs = Ms(at), entry.Actor, entry.Action, entry.Subject, entry.Details }, cancel: cancel));
            return entry with { Id = id, At = at };
        }, cancel);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AuditEntry>> ListAuditAsync(int limit = 200, string? actor = null, string? subject = null, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return RunAsync("read the audit log", async c =>
        {
            var rows = await c.QueryAsync<AuditRow>(Sql("""
                SELECT id AS Id, at_ms AS AtMs, actor AS Actor, action AS Action, subject AS Subject, details AS Details
                FROM audit_log WHERE (@Actor IS NULL OR actor = @Actor) AND (@Subject IS NULL OR subject = @Subject)
                ORDER BY id DESC LIMIT @Limit;
                """, new { Actor = actor, Subject = subject, Limit = (long)limit }, cancel: cancel));
            return (IReadOnlyList<AuditEntry>)rows.Select(r => new AuditEntry(r.Id, Time(r.AtMs), r.Actor, r.Action, r.Subject, r.Details)).ToList();
        }, cancel);
    }

    private sealed class AuditRow
    {
        public long Id { get; set; }
        public long AtMs { get; set; }
        public string Actor { get; set; } = "";
        public string Action { get; set; } = "";
        public string? Subject { get; set; }
        public string? Details { get; set; }
    }
}
