using Dapper;

namespace Takase.Server.Persistence;

public sealed partial class TakaseStore
{
    /// <inheritdoc />
    public Task SaveRouterChangeAsync(RouterChange change, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Kind is not ("target" or "profile")) throw new ArgumentException($"a router change is a 'target' or a 'profile', not '{change.Kind}'");
        if (string.IsNullOrWhiteSpace(change.Name)) throw new ArgumentException("a router change needs the target's or profile's name");
        return RunAsync($"store the router {change.Kind} {change.Name}", async c =>
        {
            // Names compare case-insensitively in the router: one row per lower-cased name.
            await c.ExecuteAsync(Sql("""
                DELETE FROM router_changes WHERE kind = @Kind AND lower(name) = lower(@Name);
                INSERT INTO router_changes (kind, name, definition, updated_ms) VALUES (@Kind, @Name, @Definition, @UpdatedMs);
                """, new { change.Kind, change.Name, change.Definition, UpdatedMs = Ms(change.UpdatedAt) }, cancel: cancel));
            return true;
        }, cancel);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RouterChange>> ListRouterChangesAsync(CancellationToken cancel = default) =>
        RunAsync("read the router changes", async c =>
        {
            var rows = await c.QueryAsync<RouterChangeRow>(Sql("""
                SELECT kind AS Kind, name AS Name, definition AS Definition, updated_ms AS UpdatedMs FROM router_changes
                ORDER BY CASE kind WHEN 'target' THEN 0 ELSE 1 END, updated_ms;
                """, cancel: cancel));
            return (IReadOnlyList<RouterChange>)rows.Select(r => new RouterChange(r.Kind, r.Name, r.Definition, Time(r.UpdatedMs))).ToList();
        }, cancel);

    private sealed class RouterChangeRow
    {
        public string Kind { get; set; } = "";
        public string Name { get; set; } = "";
        public string Definition { get; set; } = "";
        public long UpdatedMs { get; set; }
    }
}
