using Takase.Routing.Norms;

namespace Takase.Server.Norms;

/// <summary>
/// <c>Takase:Norms</c>: the norms profiles of the configuration (version 0 of each) and who follows which. Router
/// profiles name theirs as <c>Takase:Router:Profiles:&lt;name&gt;:Norms</c>. The admin API's stored versions and
/// assignments win over these.
/// </summary>
public sealed class NormsOptions
{
    /// <summary>The section.</summary>
    public const string Section = "Takase:Norms";

    /// <summary>Profiles by name.</summary>
    public Dictionary<string, NormsProfileDefinition> Profiles { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>API keys (by id "key_…" or by name) → the norms profile their requests follow.</summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>The profile for requests no key or router profile assigns one to; null: none.</summary>
    public string? Default { get; set; }
    /// <summary>How long a direct-model request escalated to a person waits for the answer before it is told its ticket.</summary>
    public TimeSpan EscalationWait { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>How often a node reads the versions and assignments other nodes stored (several nodes on one database).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(10);
}
