using System.Text.RegularExpressions;

namespace Takase.Routing.Norms;

/// <summary>One rule of a norms profile: a name, what it matches, what it does.</summary>
/// <param name="Name">Shown in explanations ("no-medical-advice").</param>
/// <param name="Match">Keywords, a regular expression or a classifier.</param>
/// <param name="Action">What happens on a match.</param>
public sealed record NormsRule(string Name, NormsMatch Match, NormsAction Action)
{
    /// <summary>Checks and compiles one rule; <paramref name="key"/> is where it was written, for messages.</summary>
    /// <exception cref="NormsConfigurationException">the rule is incomplete or contradictory.</exception>
    public static NormsRule Compile(NormsRuleDefinition d, string key)
    {
        ArgumentNullException.ThrowIfNull(d);
        var name = string.IsNullOrWhiteSpace(d.Name) ? throw new NormsConfigurationException($"{key}:Name is missing: every rule needs a name for explanations") : d.Name.Trim();
        var matches = (d.Keywords is { Count: > 0 } ? 1 : 0) + (string.IsNullOrEmpty(d.Regex) ? 0 : 1) + (d.Classifier is null ? 0 : 1);
        if (matches != 1)
            throw new NormsConfigurationException($"{key} ('{name}') needs exactly one of Keywords, Regex or Classifier, not {matches}");
        NormsMatch match;
        if (d.Keywords is { Count: > 0 } words)
        {
            if (words.Any(string.IsNullOrWhiteSpace)) throw new NormsConfigurationException($"{key}:Keywords holds an empty keyword");
            match = new NormsMatch.Keywords([.. words.Select(w => w.Trim())]);
        }
        else if (!string.IsNullOrEmpty(d.Regex))
        {
            try
            {
                match = new NormsMatch.Pattern(new Regex(d.Regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, NormsMatch.RegexTimeout));
            }
            catch (ArgumentException e)
            {
                throw new NormsConfigurationException($"{key}:Regex '{d.Regex}' is not a valid regular expression: {e.Message}");
            }
        }
        else
        {
            var c = d.Classifier!;
            if (string.IsNullOrWhiteSpace(c.Target)) throw new NormsConfigurationException($"{key}:Classifier:Target is missing: name the target that labels the text");
            if (c.Labels.Count == 0 || c.Labels.Any(string.IsNullOrWhiteSpace))
                throw new NormsConfigurationException($"{key}:Classifier:Labels must list the labels that match, e.g. [\"unsafe\"]");
            match = new NormsMatch.Classifier(c.Target.Trim(), [.. c.Labels.Select(l => l.Trim())]);
        }
        if (!Enum.TryParse<NormsActionKind>(d.Action, ignoreCase: true, out var kind) || int.TryParse(d.Action, out _))
            throw new NormsConfigurationException($"{key}:Action must be Allow, Rewrite, Refuse, Escalate or Route, not '{d.Action}'");
        var action = kind switch
        {
            NormsActionKind.Rewrite => new NormsAction(kind, Replacement: d.Replacement
                ?? throw new NormsConfigurationException($"{key}:Replacement is missing: a Rewrite rule needs the text to put in place of the match")),
            NormsActionKind.Refuse => new NormsAction(kind, Message: string.IsNullOrWhiteSpace(d.Message)
                ? throw new NormsConfigurationException($"{key}:Message is missing: a Refuse rule answers with it")
                : d.Message),
            NormsActionKind.Route => new NormsAction(kind, Target: string.IsNullOrWhiteSpace(d.Target)
                ? throw new NormsConfigurationException($"{key}:Target is missing: a Route rule sends the request to it")
                : d.Target.Trim()),
            _ => new NormsAction(kind),
        };
        return new NormsRule(name, match, action);
    }
}
