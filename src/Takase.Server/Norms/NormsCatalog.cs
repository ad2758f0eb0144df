using System.Text.Json;
using Takase.Routing.Norms;
using Takase.Server.Access;

namespace Takase.Server.Norms;

/// <summary>
/// Every norms profile with all its versions (0 from the configuration, 1… from the admin API; the highest is
/// active) and the assignments, resolving which profile a request follows: its API key's (by id, then by name), else
/// its router profile's, else the default. Stored assignments win over configured ones. Thread-safe; an admin change
/// swaps in a new state whole.
/// </summary>
public sealed class NormsCatalog
{
    /// <summary>How definitions are read and written (the configuration's PascalCase names, any case).</summary>
    public static readonly JsonSerializerOptions DefinitionJson = new(JsonSerializerDefaults.Web);

    private readonly Func<string, bool> _targetExists;
    private readonly Lock _changes = new();
    private readonly Func<string, string?> _routerProfileNorms;
    private readonly string? _default;
    private State _state;

    /// <summary>The configuration's profiles and assignments, checked.</summary>
    /// <param name="options">Takase:Norms.</param>
    /// <param name="routerProfiles">Router profile → norms profile, from Takase:Router:Profiles:*:Norms at start-up.</param>
    /// <param name="targetExists">Whether a router target of that name exists (Route and classifier rules name one).</param>
    /// <param name="routerProfileNorms">A router profile's norms now (admin changes to profiles included), or null.</param>
    /// <exception cref="NormsConfigurationException">a profile, or an assignment naming a missing one, is wrong.</exception>
    public NormsCatalog(NormsOptions options, IReadOnlyDictionary<string, string> routerProfiles, Func<string, bool> targetExists,
        Func<string, string?>? routerProfileNorms = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _targetExists = targetExists;
        _routerProfileNorms = routerProfileNorms ?? (p => routerProfiles.TryGetValue(p, out var n) ? n : null);
        var versions = new Dictionary<string, List<Version>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, definition) in options.Profiles)
            versions[name] = [new Version(Check(NormsProfile.Compile(name, 0, definition)), JsonSerializer.Serialize(definition, DefinitionJson), "configuration", null)];
        var keys = new Dictionary<string, string>(options.Keys, StringComparer.OrdinalIgnoreCase);
        // Stored assignments of router profiles go here; the profiles' own Norms are read live.
        var profiles = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (subject, norms) in keys) Require(norms, $"{NormsOptions.Section}:Keys:{subject}", versions);
        foreach (var (subject, norms) in routerProfiles) Require(norms, $"Takase:Router:Profiles:{subject}:Norms", versions);
        if (options.Default is { Length: > 0 } d) Require(d, $"{NormsOptions.Section}:Default", versions);
        _default = options.Default is { Length: > 0 } ? options.Default : null;
        _state = new State(versions, keys, profiles);
    }

    /// <summary>The active version of <paramref name="name"/>, or null.</summary>
    public NormsProfile? Active(string name) => _state.Versions.TryGetValue(name, out var v) ? v[^1].Profile : null;

    /// <summary>Whether version <paramref name="version"/> of <paramref name="name"/> is known already.</summary>
    public bool Has(string name, int version) => _state.Versions.TryGetValue(name, out var v) && v.Any(x => x.Profile.Version == version);

    /// <summary>
    /// The profile a request follows: its key's assignment (by key id, then key name), else its router profile's,
    /// else the default; null when none.
    /// </summary>
    public NormsProfile? For(Caller caller, string? routerProfile)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var s = _state;
        if (s.Versions.Count == 0) return null;
        string? name = s.Keys.TryGetValue(caller.Id, out var byId) ? byId
            : s.Keys.TryGetValue(caller.Name, out var byName) ? byName
            : routerProfile is null ? _default
            : s.RouterProfiles.TryGetValue(StripTag(routerProfile), out var byProfile) ? byProfile
            : _routerProfileNorms(StripTag(routerProfile)) ?? _default;
        return name is null ? null : Active(name);
    }

    /// <summary>Every version of one profile (or of all), oldest first.</summary>
    public IReadOnlyList<NormsVersionView> Versions(string? name = null) =>
        [.. _state.Versions.Where(p => name is null || string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase))
            .OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
            .SelectMany(p => p.Value.Select(v => new NormsVersionView(v.Profile.Name, v.Profile.Version, v == p.Value[^1], v.Author, v.CreatedAt,
                JsonSerializer.Deserialize<JsonElement>(v.Definition))))];

    /// <summary>The assignments in force: "key" and "profile" subjects with their norms profile.</summary>
    public IReadOnlyList<(string Kind, string Subject, string Norms)> Assignments() =>
        [.. _state.Keys.Select(k => ("key", k.Key, k.Value)), .. _state.RouterProfiles.Select(p => ("profile", p.Key, p.Value))];

    /// <summary>Compiles and checks a definition without adding it (the admin API does this before storing).</summary>
    /// <exception cref="NormsConfigurationException">it is wrong; the message names the key.</exception>
    public NormsProfile Validate(string name, string definition)
    {
        NormsProfileDefinition parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<NormsProfileDefinition>(definition, DefinitionJson)
                ?? throw new NormsConfigurationException($"the norms profile '{name}' is empty; send {{\"overlays\": [...], \"input\": [...], \"output\": [...]}}");
        }
        catch (JsonException e)
        {
            throw new NormsConfigurationException($"the norms profile '{name}' is not valid JSON of a profile: {e.Message}");
        }
        return Check(NormsProfile.Compile(name, 1, parsed));
    }

    /// <summary>Adds a stored version (it becomes active when it is the highest).</summary>
    /// <exception cref="NormsConfigurationException">it no longer fits (a target it names is gone).</exception>
    public NormsProfile Add(StoredNormsVersion stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var profile = Validate(stored.Name, stored.Definition) with { Version = stored.Version };
        lock (_changes)
        {
            var s = _state;
            var versions = new Dictionary<string, List<Version>>(s.Versions, StringComparer.OrdinalIgnoreCase);
            var list = versions.TryGetValue(stored.Name, out var old) ? [.. old] : new List<Version>();
            list.RemoveAll(v => v.Profile.Version == stored.Version);
            list.Add(new Version(profile, stored.Definition, stored.Author, stored.CreatedAt));
            list.Sort((a, b) => a.Profile.Version.CompareTo(b.Profile.Version));
            versions[stored.Name] = list;
            _state = s with { Versions = versions };
        }
        return profile;
    }

    /// <summary>Applies an assignment (an empty Norms removes it).</summary>
    /// <exception cref="NormsConfigurationException">it names a profile that does not exist.</exception>
    public void Assign(NormsAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        lock (_changes)
        {
            var s = _state;
            if (assignment.Norms.Length > 0) Require(assignment.Norms, $"norms for {assignment.Kind} '{assignment.Subject}'", s.Versions);
            var map = new Dictionary<string, string>(assignment.Kind == "key" ? s.Keys : s.RouterProfiles, StringComparer.OrdinalIgnoreCase);
            if (assignment.Norms.Length == 0) map.Remove(assignment.Subject);
            else map[assignment.Subject] = assignment.Norms;
            _state = assignment.Kind == "key" ? s with { Keys = map } : s with { RouterProfiles = map };
        }
    }

    /// <summary>"auto:latest" → "auto", as the router names profiles.</summary>
    private static string StripTag(string model) => model.EndsWith(":latest", StringComparison.OrdinalIgnoreCase) ? model[..^7] : model;

    private NormsProfile Check(NormsProfile profile)
    {
        foreach (var (key, target) in profile.NamedTargets())
            if (!_targetExists(target))
                throw new NormsConfigurationException($"Takase:Norms:Profiles:{profile.Name}:{key} names the target '{target}', which is not one of Takase:Router:Targets");
        return profile;
    }

    private static void Require(string norms, string key, Dictionary<string, List<Version>> versions)
    {
        if (!versions.ContainsKey(norms))
            throw new NormsConfigurationException($"{key} names the norms profile '{norms}', which does not exist; define it under Takase:Norms:Profiles or PUT /api/admin/norms/{norms}");
    }

    private sealed record Version(NormsProfile Profile, string Definition, string Author, DateTimeOffset? CreatedAt);

    private sealed record State(Dictionary<string, List<Version>> Versions, Dictionary<string, string> Keys, Dictionary<string, string> RouterProfiles);
}

/// <summary>One version of a norms profile as GET /api/admin/norms lists it.</summary>
public sealed record NormsVersionView(
    [property: System.Text.Json.Serialization.JsonPropertyName("name")] string Name,
    [property: System.Text.Json.Serialization.JsonPropertyName("version")] int Version,
    [property: System.Text.Json.Serialization.JsonPropertyName("active")] bool Active,
    [property: System.Text.Json.Serialization.JsonPropertyName("author")] string Author,
    [property: System.Text.Json.Serialization.JsonPropertyName("created_at")] DateTimeOffset? CreatedAt,
    [property: System.Text.Json.Serialization.JsonPropertyName("definition")] JsonElement Definition);
