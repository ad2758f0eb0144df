using Takase.Routing.Profiles;
using Takase.Routing.Targets;

namespace Takase.Routing;

/// <summary>
/// The router's configuration: the <c>Takase:Router</c> section of appsettings.json (or <c>TAKASE__Router__…</c>
/// environment variables), keyed by name. Validated at start-up; an unknown target or an invalid profile fails then,
/// naming the configuration key.
/// </summary>
public sealed class RouterOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Takase:Router";

    /// <summary>Targets by name (the key is the target's name).</summary>
    public Dictionary<string, TargetDefinition> Targets { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Profiles by name (the key is the model name clients use).</summary>
    public Dictionary<string, RouterProfile> Profiles { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// How the executor guards targets (<c>Takase:Router:Fallback</c>): when a target's circuit opens after repeated
    /// failures, and for how long.
    /// </summary>
    public Execution.TargetExecutorOptions Fallback { get; init; } = new();

    /// <summary>
    /// How often a server node re-reads the targets and profiles changed through the admin API (<c>router_changes</c>),
    /// so a change made on another node of the same database is followed here without a restart.
    /// </summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(10);
}
