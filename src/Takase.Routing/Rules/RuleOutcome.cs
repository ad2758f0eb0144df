using Takase.Routing.Profiles;
using Takase.Routing.Targets;

namespace Takase.Routing.Rules;

/// <summary>
/// What a profile's rules decided for one prompt. Constraints accumulate over all rules that apply (the tightest
/// privacy limit; every Require); the first applying choice rule (Prefer, Strongest, Cheapest) is the choice.
/// </summary>
internal sealed class RuleOutcome
{
    /// <summary>Names of the rules that applied, in profile order.</summary>
    public List<string> Applied { get; } = [];

    /// <summary>Remarks for the explanation (a pattern that timed out).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>The most public privacy class allowed, or null for no limit.</summary>
    public PrivacyClass? MaxPrivacy { get; private set; }

    /// <summary>The rule that set <see cref="MaxPrivacy"/>.</summary>
    public string? PrivacyRule { get; private set; }

    /// <summary>Targets some rule requires, with the rule's name; with more than one, nothing can satisfy all.</summary>
    public List<(string Target, string Rule)> Required { get; } = [];

    /// <summary>The first applying Prefer/Strongest/Cheapest rule, or null.</summary>
    public RoutingRule? Choice { get; private set; }

    public static RuleOutcome Evaluate(IReadOnlyList<CompiledRule> rules, PromptFacts facts)
    {
        var outcome = new RuleOutcome();
        foreach (var compiled in rules)
        {
            var applies = compiled.Applies(facts, out var note);
            if (note is not null) outcome.Notes.Add(note);
            if (!applies) continue;
            var rule = compiled.Rule;
            outcome.Applied.Add(rule.Name);
            switch (rule.Action)
            {
                case RuleAction.LimitPrivacy when rule.MaxPrivacy is { } limit:
                    if (outcome.MaxPrivacy is null || limit < outcome.MaxPrivacy)
                        (outcome.MaxPrivacy, outcome.PrivacyRule) = (limit, rule.Name);
                    break;
                case RuleAction.Require when rule.Target is not null:
                    outcome.Required.Add((rule.Target, rule.Name));
                    break;
                case RuleAction.Prefer or RuleAction.Strongest or RuleAction.Cheapest:
                    outcome.Choice ??= rule;
                    break;
            }
        }
        return outcome;
    }
}
