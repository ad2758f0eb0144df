using System.Collections.ObjectModel;
using System.Globalization;
using Takase.Routing.Privacy;
using Takase.Routing.Profiles;
using Takase.Routing.Rules;
using Takase.Routing.Targets;

namespace Takase.Routing.Configuration;

/// <summary>
/// The start-up checks of the router's configuration. Each problem is one sentence that starts with the configuration
/// key it concerns and says what to do; checking goes on after a problem so all of them are reported together.
/// </summary>
internal sealed class RouterSetupValidator(RouterOptions options, List<string> problems)
{
    private static readonly string Root = RouterOptions.Section;

    /// <summary>Checks one target; returns a copy whose lists no one else holds.</summary>
    public TargetDefinition Target(string key, TargetDefinition target)
    {
        var at = $"{Root}:Targets:{key}";
        if (!string.Equals(target.Name, key, StringComparison.OrdinalIgnoreCase))
            problems.Add($"{at}: the target's Name is '{target.Name}' but its key is '{key}'; they must be the same.");
        if (target.Kind == TargetKind.Remote)
        {
            if (target.Endpoint is null)
                problems.Add($"{at}:Endpoint is missing; a remote target needs its OpenAI-compatible base URL (e.g. https://api.openai.com/v1).");
            if (string.IsNullOrWhiteSpace(target.Model))
                problems.Add($"{at}:Model is missing; a remote target needs the provider's model id (e.g. gpt-4o-mini).");
        }
        if (target.Endpoint is { } endpoint && (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https")))
            problems.Add($"{at}:Endpoint '{endpoint}' is not an http(s) URL.");
        Replicas($"{at}:Replicas", target);
        NotNegative($"{at}:InputCostPerMillion", target.InputCostPerMillion, "costs");
        NotNegative($"{at}:OutputCostPerMillion", target.OutputCostPerMillion, "costs");
        if (target.ContextLength <= 0)
            problems.Add($"{at}:ContextLength is {target.ContextLength}; give the target's context window in tokens (e.g. 8192).");
        if (target.ExpectedLatency < TimeSpan.Zero)
            problems.Add($"{at}:ExpectedLatency is {target.ExpectedLatency}; a latency cannot be negative.");
        if (target.Timeout <= TimeSpan.Zero)
            problems.Add($"{at}:Timeout is {target.Timeout}; give how long one attempt may take (e.g. \"00:02:00\").");
        HumanSetting($"{at}:SlaFallback", target, target.SlaFallback, "answers when no operator has within the SLA (Timeout)");
        HumanSetting($"{at}:DraftTarget", target, target.DraftTarget, "writes the AI draft for the operator");
        var languages = target.Languages ?? [];
        LanguageCodes($"{at}:Languages", languages);
        return target with { Languages = Frozen(languages) };
    }

    /// <summary>
    /// Checks one profile; returns it with candidates spelled as the targets are, its rules compiled, and its privacy
    /// policy (null when it has none).
    /// </summary>
    public (RouterProfile Profile, IReadOnlyList<CompiledRule> Rules, PiiPolicy? Privacy) Profile(string key, RouterProfile profile)
    {
        var at = $"{Root}:Profiles:{key}";
        if (!string.Equals(profile.Name, key, StringComparison.OrdinalIgnoreCase))
            problems.Add($"{at}: the profile's Name is '{profile.Name}' but its key is '{key}'; they must be the same.");
        if (options.Targets.ContainsKey(key))
            problems.Add($"{at}: the profile name '{key}' is also a target ({Root}:Targets:{key}); a client asking for "
                         + $"model '{key}' could mean either — rename one.");

        var candidates = Candidates(at, profile.Candidates ?? []);
        Thresholds(at, profile, (profile.Candidates ?? []).Count);
        if (profile.Cascade is { } cascade)
        {
            if (!double.IsFinite(cascade.MinMeanLogprob) || cascade.MinMeanLogprob > 0)
                problems.Add($"{at}:Cascade:MinMeanLogprob is {Show(cascade.MinMeanLogprob)}; log-probabilities are ≤ 0, so give a value like -1.0.");
            if (cascade.Verifier is { } verifier && !options.Targets.ContainsKey(verifier))
                problems.Add($"{at}:Cascade:Verifier names '{verifier}' which is not a configured target{KnownTargets()}.");
        }

        if (profile.Handoff is { } handoff) Handoff($"{at}:Handoff", handoff, profile);

        var rules = new List<CompiledRule>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var profileRules = profile.Rules ?? [];
        for (var i = 0; i < profileRules.Count; i++)
        {
            var rule = profileRules[i];
            if (rule is null)
            {
                problems.Add($"{at}:Rules:{i} is empty.");
                continue;
            }
            if (string.IsNullOrWhiteSpace(rule.Name)) problems.Add($"{at}:Rules:{i}:Name is missing; name the rule for explanations.");
            else if (!names.Add(rule.Name)) problems.Add($"{at}:Rules:{i}:Name '{rule.Name}' is used by an earlier rule of this profile; names must be unique.");
            if (Rule($"{at}:Rules:{i}", rule, candidates) is { } compiled) rules.Add(compiled);
        }

        var privacy = profile.Privacy is null ? null : Privacy($"{at}:Privacy", profile.Privacy, candidates);
        var frozen = profile with
        {
            Candidates = Frozen(candidates),
            Thresholds = profile.Thresholds is null ? null : Frozen(profile.Thresholds),
            Rules = Frozen(rules.Select(r => r.Rule).ToList()),
            // The entities as the policy reads them, spelled by their wire names (EMAIL, not Email).
            Privacy = profile.Privacy is null || privacy is null ? null : profile.Privacy with
            {
                Entities = privacy.Actions.ToDictionary(a => a.Key.WireName(), a => a.Value, StringComparer.OrdinalIgnoreCase),
            },
        };
        return (frozen, Frozen(rules), privacy);
    }

    /// <summary>
    /// Checks a profile's privacy section and turns it into the policy the router and the server apply: every entity
    /// key must name an entity type, every action must be one of PiiAction's, the language ja, en or auto. A profile
    /// whose policy keeps some data local must have a candidate of the Local privacy class to send it to.
    /// </summary>
    private PiiPolicy Privacy(string at, ProfilePrivacy privacy, List<string> candidates)
    {
        CheckAction($"{at}:Default", privacy.Default);
        var actions = new Dictionary<PiiEntityType, PiiAction>();
        foreach (var (name, action) in privacy.Entities ?? [])
        {
            var key = $"{at}:Entities:{name}";
            if (!PiiEntityTypeNames.TryParse(name, out var type) || !Enum.IsDefined(type))
            {
                problems.Add($"{key}: '{name}' is not an entity type; use one of {string.Join(", ", Enum.GetValues<PiiEntityType>().Select(t => t.WireName()))}.");
                continue;
            }
            if (!CheckAction(key, action)) continue;
            if (actions.TryGetValue(type, out var earlier) && earlier != action)
                problems.Add($"{key}: {type.WireName()} is listed twice with different actions ({earlier}, {action}); list each type once.");
            actions[type] = action;
        }

        var language = PiiLanguage.Auto;
        try
        {
            language = PiiLanguages.Parse(privacy.Language ?? "auto");
        }
        catch (ArgumentException e)
        {
            problems.Add($"{at}:Language: {e.Message}.");
        }

        var policy = new PiiPolicy { DefaultAction = privacy.Default, Actions = actions, Language = language, RedactLocal = privacy.RedactLocal };
        var localOnly = actions.Where(a => a.Value == PiiAction.LocalOnly).Select(a => a.Key.WireName()).ToList();
        if (privacy.Default == PiiAction.LocalOnly) localOnly.Insert(0, "Default");
        var hasLocal = candidates.Any(c => options.Targets.TryGetValue(c, out var t) && t.Privacy == PrivacyClass.Local);
        if (localOnly.Count > 0 && candidates.Count > 0 && !hasLocal)
            problems.Add($"{at}: {string.Join(", ", localOnly)} {(localOnly.Count == 1 ? "is" : "are")} LocalOnly, but no candidate of the profile "
                         + "has the Local privacy class, so such requests could never be answered; add a local candidate or use Block.");
        return policy;
    }

    private bool CheckAction(string at, PiiAction action)
    {
        if (Enum.IsDefined(action)) return true;
        problems.Add($"{at} is '{action}', which is not one of {string.Join(", ", Enum.GetNames<PiiAction>())}.");
        return false;
    }

    private List<string> Candidates(string at, IReadOnlyList<string> candidates)
    {
        var resolved = new List<string>();
        if (candidates.Count == 0)
            problems.Add($"{at}:Candidates is empty; list the targets this profile may use, cheapest first.");
        for (var i = 0; i < candidates.Count; i++)
        {
            var name = candidates[i];
            if (string.IsNullOrWhiteSpace(name))
                problems.Add($"{at}:Candidates:{i} is empty; give a target name.");
            else if (!options.Targets.TryGetValue(name, out var target))
                problems.Add($"{at}:Candidates:{i} names '{name}' which is not a configured target{KnownTargets()}.");
            else if (resolved.Contains(target.Name, StringComparer.OrdinalIgnoreCase))
                problems.Add($"{at}:Candidates:{i} lists '{name}' a second time; list each target once.");
            else
                resolved.Add(target.Name);
        }
        return resolved;
    }

    private void Thresholds(string at, RouterProfile profile, int candidates)
    {
        if (profile.Threshold is { } threshold) Unit($"{at}:Threshold", threshold, "a threshold");
        if (profile.StrongShare is { } share) Unit($"{at}:StrongShare", share, "a share of calls");
        if (profile.MinQuality is { } bar) Unit($"{at}:MinQuality", bar, "a prior quality (an accuracy)");
        if (profile.Thresholds is { } thresholds)
        {
            if (profile.Threshold is not null)
                problems.Add($"{at}: both Threshold and Thresholds are set; use Threshold for two tiers or Thresholds for more, not both.");
            if (thresholds.Count != Math.Max(candidates - 1, 1))
                problems.Add($"{at}:Thresholds has {thresholds.Count} value{(thresholds.Count == 1 ? "" : "s")}, but {candidates} candidates "
                             + $"need {Math.Max(candidates - 1, 1)} (one between each pair of consecutive tiers).");
            for (var i = 0; i < thresholds.Count; i++)
            {
                Unit($"{at}:Thresholds:{i}", thresholds[i], "a threshold");
                if (i > 0 && !(thresholds[i] > thresholds[i - 1]))
                    problems.Add($"{at}:Thresholds:{i} is {Show(thresholds[i])}, not above the one before it ({Show(thresholds[i - 1])}); "
                                 + "thresholds must ascend, the cheapest tier's bound first.");
            }
        }
        var learned = profile.Strategy is RoutingStrategy.NGram or RoutingStrategy.MatrixFactorization or RoutingStrategy.Similarity;
        if (learned && profile.Threshold is null && profile.Thresholds is null && profile.StrongShare is null)
            problems.Add($"{at}: strategy {profile.Strategy} needs a cost–quality knob; set Threshold, Thresholds or StrongShare.");
    }

    private CompiledRule? Rule(string at, RoutingRule rule, List<string> candidates)
    {
        switch (rule.Action)
        {
            case RuleAction.Prefer or RuleAction.Require when string.IsNullOrWhiteSpace(rule.Target):
                problems.Add($"{at}:Target is missing; action {rule.Action} needs the target to send the request to.");
                break;
            case RuleAction.Prefer or RuleAction.Require when !options.Targets.ContainsKey(rule.Target!):
                problems.Add($"{at}:Target names '{rule.Target}' which is not a configured target{KnownTargets()}.");
                break;
            case RuleAction.Prefer or RuleAction.Require when !candidates.Contains(rule.Target!, StringComparer.OrdinalIgnoreCase):
                problems.Add($"{at}:Target names '{rule.Target}' which is not a candidate of this profile "
                             + $"(candidates: {string.Join(", ", candidates)}); add it to Candidates.");
                break;
            case RuleAction.LimitPrivacy when rule.MaxPrivacy is null:
                problems.Add($"{at}:MaxPrivacy is missing; action LimitPrivacy needs the most public class still allowed (Local or Trusted).");
                break;
            case RuleAction.LimitPrivacy or RuleAction.Strongest or RuleAction.Cheapest when rule.Target is not null:
                problems.Add($"{at}:Target has no effect with action {rule.Action}; remove it, or use Prefer or Require.");
                break;
        }
        if (rule.MinTokens is < 0) problems.Add($"{at}:MinTokens is {rule.MinTokens}; token bounds cannot be negative.");
        if (rule.MaxTokens is < 0) problems.Add($"{at}:MaxTokens is {rule.MaxTokens}; token bounds cannot be negative.");
        if (rule.MinTokens is { } min && rule.MaxTokens is { } max && min > max)
            problems.Add($"{at}: MinTokens ({min}) is above MaxTokens ({max}); no prompt could match.");
        if (rule.Languages is { } languages) LanguageCodes($"{at}:Languages", languages);
        if (rule.Keywords is { } keywords)
            for (var i = 0; i < keywords.Count; i++)
                if (string.IsNullOrWhiteSpace(keywords[i]))
                    problems.Add($"{at}:Keywords:{i} is empty; an empty keyword would match nothing.");

        var frozen = rule with
        {
            Languages = rule.Languages is null ? null : Frozen(rule.Languages),
            Keywords = rule.Keywords is null ? null : Frozen(rule.Keywords),
            Target = rule.Target is not null && options.Targets.TryGetValue(rule.Target, out var target) ? target.Name : rule.Target,
        };
        try
        {
            return CompiledRule.Compile(frozen);
        }
        catch (ArgumentException e)
        {
            problems.Add($"{at}:Pattern '{rule.Pattern}' is not a valid regular expression: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// A remote target's replicas: only remote targets have them, each an absolute http(s) URL, listed once and not
    /// the target's own Endpoint (which is always one of its replicas already).
    /// </summary>
    private void Replicas(string at, TargetDefinition target)
    {
        var replicas = target.Replicas ?? [];
        if (replicas.Count == 0) return;
        if (target.Kind != TargetKind.Remote)
        {
            problems.Add($"{at} is set on a {target.Kind} target; only a remote target has replicas (more endpoints serving its model). Remove it.");
            return;
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < replicas.Count; i++)
        {
            var replica = replicas[i];
            if (replica is null)
                problems.Add($"{at}:{i} is empty; give the replica's OpenAI-compatible base URL (e.g. http://node-b:11434/v1).");
            else if (!replica.IsAbsoluteUri || replica.Scheme is not ("http" or "https"))
                problems.Add($"{at}:{i} '{replica}' is not an absolute http(s) URL (e.g. http://node-b:11434/v1).");
            else if (target.Endpoint is { IsAbsoluteUri: true } own && own.AbsoluteUri == replica.AbsoluteUri)
                problems.Add($"{at}:{i} '{replica}' is the target's own Endpoint, which is a replica already; remove it.");
            else if (!seen.Add(replica.AbsoluteUri))
                problems.Add($"{at}:{i} '{replica}' is listed a second time; list each replica once.");
        }
    }

    /// <summary>A human target's setting that names another target: only on human targets, and never a human one.</summary>
    private void HumanSetting(string at, TargetDefinition target, string? named, string what)
    {
        if (named is null) return;
        if (target.Kind != TargetKind.Human)
            problems.Add($"{at} is set on a {target.Kind} target; only a human target has one (the target that {what}). Remove it.");
        else if (!options.Targets.TryGetValue(named, out var other))
            problems.Add($"{at} names '{named}' which is not a configured target{KnownTargets()}.");
        else if (other.Kind == TargetKind.Human)
            problems.Add($"{at} names '{named}', a human target; name a local or remote target, which {what}.");
    }

    private void Handoff(string at, HandoffOptions handoff, RouterProfile profile)
    {
        var phrases = handoff.Phrases ?? [];
        for (var i = 0; i < phrases.Count; i++)
            if (string.IsNullOrWhiteSpace(phrases[i])) problems.Add($"{at}:Phrases:{i} is empty; an empty phrase would match every request.");
        if (handoff.LowConfidenceMin.HasValue != handoff.LowConfidenceMax.HasValue)
            problems.Add($"{at}: set both LowConfidenceMin and LowConfidenceMax (the uncertain band of learned scores), or neither.");
        if (handoff.LowConfidenceMin is { } min) Unit($"{at}:LowConfidenceMin", min, "a learned score");
        if (handoff.LowConfidenceMax is { } max) Unit($"{at}:LowConfidenceMax", max, "a learned score");
        if (handoff is { LowConfidenceMin: { } lo, LowConfidenceMax: { } hi } && lo > hi)
            problems.Add($"{at}: LowConfidenceMin ({Show(lo)}) is above LowConfidenceMax ({Show(hi)}); no score could fall in the band.");
        var hasHuman = (profile.Candidates ?? []).Any(c => c is not null && options.Targets.TryGetValue(c, out var t) && t.Kind == TargetKind.Human);
        if (!hasHuman && (handoff.LowConfidenceMin.HasValue || handoff.CascadeToHuman))
            problems.Add($"{at}: low-confidence hand-off needs a human target among the profile's Candidates; add one (Kind = Human).");
    }

    /// <summary>How often a node re-reads the admin changes stored by other nodes.</summary>
    public void RefreshInterval(TimeSpan interval)
    {
        if (interval < TimeSpan.FromMilliseconds(100))
            problems.Add($"{Root}:RefreshInterval is {interval}; give how often to re-read admin changes made on other nodes, at least 100 ms (e.g. \"00:00:10\").");
    }

    private void LanguageCodes(string at, IReadOnlyList<string> codes)
    {
        for (var i = 0; i < codes.Count; i++)
        {
            var code = codes[i] ?? "";
            var primary = code.Split('-', '_')[0];
            if (primary.Length is < 2 or > 3 || !primary.All(char.IsAsciiLetter))
                problems.Add($"{at}:{i} is '{code}', which is not an ISO 639-1 language code (e.g. \"en\", \"ja\", \"pt-BR\").");
        }
    }

    private void NotNegative(string at, double value, string what)
    {
        if (!double.IsFinite(value) || value < 0)
            problems.Add($"{at} is {Show(value)}; {what} cannot be negative (use 0 for free).");
    }

    private void Unit(string at, double value, string what)
    {
        if (!double.IsFinite(value) || value is < 0 or > 1)
            problems.Add($"{at} is {Show(value)}; {what} lies between 0 and 1.");
    }

    private string KnownTargets() =>
        options.Targets.Count == 0 ? " (no targets are configured)" : $" (targets: {string.Join(", ", options.Targets.Keys.Order())})";

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static ReadOnlyCollection<T> Frozen<T>(IEnumerable<T> items) => Array.AsReadOnly(items.ToArray());
}
