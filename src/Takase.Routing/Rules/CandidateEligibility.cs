using Takase.Routing.Language;
using Takase.Routing.Privacy;
using Takase.Routing.Targets;

namespace Takase.Routing.Rules;

/// <summary>
/// Whether one candidate can take a request, and if not, every reason in words a person understands: capabilities,
/// language, context, availability (circuit breaker), the rules' privacy limit, local-only personal data (named by
/// type, never by value) and required targets.
/// </summary>
internal static class CandidateEligibility
{
    /// <summary>The reasons <paramref name="target"/> cannot take the request; empty when it can.</summary>
    public static List<string> Exclusions(TargetDefinition target, PromptFacts facts, RuleOutcome rules, Func<string, bool>? isAvailable)
    {
        var reasons = new List<string>();
        var request = facts.Request;
        var can = target.Capabilities;
        if (request.NeedsTools && !can.HasFlag(TargetCapabilities.Tools))
            reasons.Add("cannot call tools, and the request carries tools");
        if (request.NeedsJson && !can.HasFlag(TargetCapabilities.Json))
            reasons.Add("has no JSON mode, and the request asks for JSON");
        if (request.NeedsVision && !can.HasFlag(TargetCapabilities.Vision))
            reasons.Add("cannot read images, and the request has images");

        if (target.Languages.Count > 0 && facts.Language.IsConfident && !target.Languages.Any(facts.Language.Matches))
            reasons.Add($"answers {string.Join(", ", target.Languages)}; the prompt is {LanguageDetector.Describe(facts.Language.Code)}");

        var needed = (long)facts.PromptTokens + facts.AnswerTokens;
        if (needed > target.ContextLength)
        {
            var prompt = facts.PromptTokensEstimated ? $"~{facts.PromptTokens:N0}" : $"{facts.PromptTokens:N0}";
            var answer = facts.AnswerTokensAssumed ? $"{facts.AnswerTokens:N0} assumed" : $"{facts.AnswerTokens:N0}";
            reasons.Add($"context of {target.ContextLength:N0} tokens is too small for {prompt} prompt + {answer} answer tokens");
        }

        if (isAvailable is not null && !isAvailable(target.Name))
            reasons.Add("circuit open: it failed recently and is not taking requests for now");

        if (rules.MaxPrivacy is { } limit && target.Privacy > limit)
            reasons.Add($"{Describe(target.Privacy)} target and the prompt matched rule '{rules.PrivacyRule}' ({(limit == PrivacyClass.Local ? "local targets only" : $"up to {Describe(limit)} targets")})");

        if (request.Privacy is { RequiresLocal: true } privacy && target.Privacy > PrivacyClass.Local)
            reasons.Add($"the prompt contains {string.Join(", ", privacy.LocalOnlyTypes.Select(t => t.WireName()))} (local-only)");

        foreach (var (required, rule) in rules.Required)
            if (!string.Equals(required, target.Name, StringComparison.OrdinalIgnoreCase))
                reasons.Add($"rule '{rule}' requires {required}");
        return reasons;
    }

    private static string Describe(PrivacyClass privacy) => privacy switch
    {
        PrivacyClass.Local => "local",
        PrivacyClass.Trusted => "trusted",
        _ => "external",
    };
}
