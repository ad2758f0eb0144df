using Dapper;
using Takase.Server.Norms;

namespace Takase.Server.Persistence;

public sealed partial class TakaseStore : INormsStore
{
    /// <inheritdoc />
    public Task<StoredNormsVersion> AddNormsVersionAsync(string name, string definition, string author, CancellationToken cancel = default)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("a norms profile needs a name");
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentException.ThrowIfNullOrWhiteSpace(author);
        var at = Time(Ms(DateTimeOffset.UtcNow));
        return InTransactionAsync($"store norms profile {name}", async (c, t) =>
        {
            // The name keeps the spelling of its first version, so every version of one profile shares one spelling.
            var first = await c.QuerySingleOrDefaultAsync<string>(Sql(
                "SELECT name FROM norms_versions WHERE lower(name) = lower(@name) ORDER BY version LIMIT 1;", new { name }, t, cancel));
            var stored = first ?? name;
            var version = 1 + await c.ExecuteScalarAsync<int>(Sql(
                "SELECT COALESCE(MAX(version), 0) FROM norms_versions WHERE name = @stored;", new { stored }, t, cancel));
            await c.ExecuteAsync(Sql("""
                INSERT INTO norms_versions (name, version, definition, author, created_ms) VALUES (@stored, @version, @definition, @author, @CreatedMs);
                """, new { stored, version, definition, author, CreatedMs = Ms(at) }, t, cancel));
            return new StoredNormsVersion(stored, version, definition, author, at);
        }, cancel);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredNormsVersion>> ListNormsVersionsAsync(string? name = null, CancellationToken cancel = default) =>
        RunAsync("read the norms profiles", async c =>
        {
            // Two texts rather than "@name IS NULL": PostgreSQL cannot type a parameter that is only ever null.
            var where = name is null ? "" : "WHERE lower(name) = lower(@name)";
            var rows = await c.QueryAsync<NormsRow>(Sql($"""
                SELECT name AS Name, version AS Version, definition AS Definition, author AS Author, created_ms AS CreatedMs
                FROM norms_versions {where} ORDER BY name, version;
                """, new { name }, cancel: cancel));
            return (IReadOnlyList<StoredNormsVersion>)rows.Select(r => new StoredNormsVersion(r.Name, (int)r.Version, r.Definition, r.Author, Time(r.CreatedMs))).ToList();
        }, cancel);

    /// <inheritdoc />
    public Task SetNormsAssignmentAsync(NormsAssignment assignment, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        if (assignment.Kind is not ("key" or "profile")) throw new ArgumentException($"a norms assignment is for a 'key' or a 'profile', not '{assignment.Kind}'");
        if (string.IsNullOrWhiteSpace(assignment.Subject)) throw new ArgumentException("a norms assignment needs the key or router profile it is for");
        return RunAsync($"assign norms to {assignment.Kind} {assignment.Subject}", async c =>
        {
            // A removal is kept as an empty row, so other nodes learn of it (and it wins over the configuration).
            await c.ExecuteAsync(Sql("""
                DELETE FROM norms_assignments WHERE kind = @Kind AND lower(subject) = lower(@Subject);
                INSERT INTO norms_assignments (kind, subject, norms, updated_ms) VALUES (@Kind, @Subject, @Norms, @UpdatedMs);
                """, new { assignment.Kind, assignment.Subject, Norms = assignment.Norms?.Trim() ?? "", UpdatedMs = Ms(assignment.UpdatedAt) }, cancel: cancel));
            return true;
        }, cancel);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<NormsAssignment>> ListNormsAssignmentsAsync(CancellationToken cancel = default) =>
        RunAsync("read the norms assignments", async c =>
        {
            var rows = await c.QueryAsync<AssignmentRow>(Sql("""
                SELECT kind AS Kind, subject AS Subject, norms AS Norms, updated_ms AS UpdatedMs FROM norms_assignments ORDER BY updated_ms, kind, subject;
                """, cancel: cancel));
            return (IReadOnlyList<NormsAssignment>)rows.Select(r => new NormsAssignment(r.Kind, r.Subject, r.Norms, Time(r.UpdatedMs))).ToList();
        }, cancel);

    private sealed class NormsRow
    {
        public string Name { get; set; } = "";
        public long Version { get; set; }
        public string Definition { get; set; } = "";
        public string Author { get; set; } = "";
        public long CreatedMs { get; set; }
    }

    private sealed class AssignmentRow
    {
        public string Kind { get; set; } = "";
        public string Subject { get; set; } = "";
        public string Norms { get; set; } = "";
        public long UpdatedMs { get; set; }
    }
}
