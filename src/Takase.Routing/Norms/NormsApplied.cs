namespace Takase.Routing.Norms;

/// <summary>
/// The norms a request ran under, for its explanation and the stored decision: the profile's name and version, and
/// the rule that decided (input or output) with its action, when one matched.
/// </summary>
/// <param name="Name">The norms profile.</param>
/// <param name="Version">Its active version (0: the configuration's).</param>
/// <param name="Rule">The rule that matched, or null.</param>
/// <param name="Action">"allow", "rewrite", "refuse", "escalate" or "route", or null.</param>
/// <param name="Stage">"input" or "output": where the rule matched, or null.</param>
public sealed record NormsApplied(string Name, int Version, string? Rule = null, string? Action = null, string? Stage = null)
{
    /// <summary>This record with the verdict of <paramref name="stage"/> when a rule matched there.</summary>
    public NormsApplied With(NormsVerdict verdict, string stage) => verdict.Rule is null
        ? this
        : this with { Rule = verdict.Rule, Action = verdict.Action.Kind.ToString().ToLowerInvariant(), Stage = stage };
}
