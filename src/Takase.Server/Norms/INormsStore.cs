namespace Takase.Server.Norms;

/// <summary>One stored version of a norms profile, as PUT /api/admin/norms/{name} made it.</summary>
/// <param name="Name">The profile's name.</param>
/// <param name="Version">1, 2, … in the order they were stored.</param>
/// <param name="Definition">The profile as JSON (a NormsProfileDefinition).</param>
/// <param name="Author">Who stored it (the caller's key id).</param>
/// <param name="CreatedAt">When.</param>
public sealed record StoredNormsVersion(string Name, int Version, string Definition, string Author, DateTimeOffset CreatedAt);

/// <summary>Which norms profile an API key or a router profile follows.</summary>
/// <param name="Kind">"key" (an API key's id or name) or "profile" (a router profile).</param>
/// <param name="Subject">The key's id or name, or the router profile's name.</param>
/// <param name="Norms">The norms profile's name.</param>
/// <param name="UpdatedAt">When it was set.</param>
public sealed record NormsAssignment(string Kind, string Subject, string Norms, DateTimeOffset UpdatedAt);

/// <summary>
/// Where the admin API keeps norms profiles and assignments, shared by every node (SQLite or PostgreSQL). Versions are
/// never changed or deleted: an explanation that names a version can always be looked up.
/// </summary>
public interface INormsStore
{
    /// <summary>Stores <paramref name="definition"/> as the next version of <paramref name="name"/> and returns it.</summary>
    Task<StoredNormsVersion> AddNormsVersionAsync(string name, string definition, string author, CancellationToken cancel = default);

    /// <summary>Every stored version, of one profile (by name, case-insensitive) or of all, oldest first.</summary>
    Task<IReadOnlyList<StoredNormsVersion>> ListNormsVersionsAsync(string? name = null, CancellationToken cancel = default);

    /// <summary>Sets (or, with <see cref="NormsAssignment.Norms"/> empty, removes) an assignment; a removal is kept as an empty row.</summary>
    Task SetNormsAssignmentAsync(NormsAssignment assignment, CancellationToken cancel = default);

    /// <summary>Every stored assignment, oldest change first (removals with an empty Norms).</summary>
    Task<IReadOnlyList<NormsAssignment>> ListNormsAssignmentsAsync(CancellationToken cancel = default);
}
