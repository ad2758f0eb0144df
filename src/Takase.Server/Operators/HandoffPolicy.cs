using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Takase.Routing.Configuration;
using Takase.Routing.Decisions;
using Takase.Routing.Profiles;
using Takase.Routing.Targets;

namespace Takase.Server.Operators;

/// <summary>
/// A profile's hand-off to people, applied to the router's decision before it runs: when the last user message asks
/// for a person (a hand-off phrase) or a learned score falls in the profile's uncertain band, the profile's human
/// target goes first and the rest of the order stays behind it. The reason and an applied rule ("handoff:request",
/// "handoff:low_confidence") say so in the explanation and on the ticket.
/// </summary>
public static class HandoffPolicy
{
    /// <summary>The applied-rule name of a user asking for a person.</summary>
    public const string OnRequestRule = "handoff:request";
    /// <summary>The applied-rule name of a score inside the uncertain band.</summary>
    public const string LowConfidenceRule = "handoff:low_confidence";

    /// <summary>
    /// The decision with the human target first when the profile's hand-off says so, else <paramref name="decision"/>
    /// unchanged. Only an eligible human candidate of the profile is used.
    /// </summary>
    public static RouteDecision Apply(RouteDecision decision, RouterProfile profile, RouterSetup setup, string? lastUserMessage)
    {
        var human = HumanCandidate(decision, setup);
        if (human is null || string.Equals(decision.Order.FirstOrDefault(), human, StringComparison.OrdinalIgnoreCase)) return decision;
        var handoff = profile.Handoff ?? new HandoffOptions();
        if (AskedPhrase(handoff.EffectivePhrases, lastUserMessage) is { } phrase)
            return First(decision, human, OnRequestRule, $"the user asked for a person (\"{phrase}\"); '{human}' answers");
        if (handoff is { LowConfidenceMin: { } min, LowConfidenceMax: { } max } && decision.Score is { } score && score >= min && score <= max)
            return First(decision, human, LowConfidenceRule, string.Create(CultureInfo.InvariantCulture,
                $"the learned score {score:0.###} is inside the uncertain band [{min:0.###}, {max:0.###}]; '{human}' answers"));
        return decision;
    }

    /// <summary>The profile's first eligible human candidate, or null.</summary>
    public static string? HumanCandidate(RouteDecision decision, RouterSetup setup) =>
        decision.Candidates.FirstOrDefault(c => c.Eligible && setup.Targets.TryGetValue(c.Target, out var t) && t.Kind == TargetKind.Human)?.Target;

    /// <summary>The first phrase the message asks for a person with, or null.</summary>
    public static string? AskedPhrase(IReadOnlyList<string> phrases, string? message)
    {
        if (string.IsNullOrWhiteSpace(message) || phrases.Count == 0) return null;
        // Full-width letters and half-width katakana read as their usual forms ("ＯＰＥＲＡＴＯＲ", "ｵﾍﾟﾚｰﾀｰ").
        var text = message.Normalize(NormalizationForm.FormKC).ToLowerInvariant();
        foreach (var phrase in phrases)
        {
            var wanted = phrase.Normalize(NormalizationForm.FormKC).ToLowerInvariant().Trim();
            if (wanted.Length == 0) continue;
            var found = wanted.All(char.IsAscii)
                // Latin phrases as whole words: "operator" asks for a person, "cooperator" does not.
                ? Regex.IsMatch(text, $@"(?<![\p{{L}}\p{{N}}]){Regex.Escape(wanted)}(?![\p{{L}}\p{{N}}])", RegexOptions.CultureInvariant)
                : text.Contains(wanted, StringComparison.Ordinal);
            if (found) return phrase;
        }
        return null;
    }

    private static RouteDecision First(RouteDecision decision, string human, string rule, string reason) => decision with
    {
        Order = [human, .. decision.Order.Where(t => !string.Equals(t, human, StringComparison.OrdinalIgnoreCase))],
        Reason = reason,
        AppliedRules = [.. decision.AppliedRules, rule],
    };
}
