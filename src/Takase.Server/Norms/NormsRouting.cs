using Takase.Routing;
using Takase.Routing.Configuration;
using Takase.Routing.Decisions;
using Takase.Routing.Norms;
using Takase.Routing.Targets;
using Takase.Server.Inference;
using Takase.Server.Operators;

namespace Takase.Server.Norms;

/// <summary>The norms of one routed request: the profile it follows and the gate that applies it.</summary>
/// <param name="Profile">The active version of the request's norms profile.</param>
/// <param name="Gate">Classifiers and model SYSTEM texts.</param>
public sealed record NormsRequest(NormsProfile Profile, NormsGate Gate)
{
    /// <summary>
    /// Runs the input rules over <paramref name="call"/> as <paramref name="view"/> shows it (the privacy screen's text):
    /// the call with the rewrites and overlays, the local-target builder that applies them to each rebuilt call (over
    /// that model's SYSTEM), and the verdict.
    /// </summary>
    internal async Task<(T Call, Func<string, T> LocalCall, NormsInput Input)> ApplyAsync<T>(T call, Func<string, T> localCall,
        Func<string, string>? view, CancellationToken cancel)
        where T : InferenceCall
    {
        var input = call switch
        {
            ChatCall chat => await NormsInput.ScreenAsync(Profile, chat, Gate.Classifier, cancel, view),
            CompletionCall completion => await NormsInput.ScreenAsync(Profile, completion, Gate.Classifier, cancel, view),
            _ => throw new NotSupportedException($"norms do not apply to {call.GetType().Name}"),
        };
        return ((T)input.Apply(call, null), model => (T)input.Apply(localCall(model), Gate.ModelSystem(model)), input);
    }
}

/// <summary>A routed request's decision under the norms' input verdict.</summary>
internal static class NormsRouting
{
    /// <summary>The rule name the explanation's applied rules list for a norms rule ("norms:no-legal-advice").</summary>
    public static string RuleName(string rule) => $"norms:{rule}";

    /// <summary>
    /// The decision with the norms recorded, and for a Route its target first, for an Escalate the profile's human
    /// target (else the first human target configured) first, for a Refuse a model target first (the one that
    /// "answers" with the message, never asked).
    /// </summary>
    /// <exception cref="RoutingException">an Escalate and no human target, or a Route to a target that is gone.</exception>
    public static RouteDecision Apply(RouteDecision decision, NormsInput input, RouterSetup setup)
    {
        decision = decision with { Norms = input.Applied };
        var verdict = input.Verdict;
        if (verdict.Rule is null) return decision;
        decision = decision with { AppliedRules = [.. decision.AppliedRules, RuleName(verdict.Rule)] };
        var about = $"the norms profile '{input.Profile.Name}' (version {input.Profile.Version}) rule '{verdict.Rule}'";
        switch (verdict.Action.Kind)
        {
            case NormsActionKind.Route:
                var target = verdict.Action.Target!;
                if (!setup.Targets.ContainsKey(target)) throw new RoutingException($"{about} routes to '{target}', which is not one of Takase:Router:Targets");
                return First(decision, target, $"{about} routes the request to '{target}'");
            case NormsActionKind.Escalate:
                var human = HandoffPolicy.HumanCandidate(decision, setup)
                    ?? setup.Targets.Values.FirstOrDefault(t => t.Kind == TargetKind.Human)?.Name
                    ?? throw new RoutingException($"{about} escalates to a person, and no human target is configured (Takase:Router:Targets:<name>:Kind = Human)");
                return First(decision, human, $"{about} escalates the request to a person ('{human}')");
            case NormsActionKind.Refuse:
                var model = decision.Order.FirstOrDefault(t => setup.Targets.TryGetValue(t, out var d) && d.Kind != TargetKind.Human)
                    ?? setup.Targets.Values.First(t => t.Kind != TargetKind.Human).Name;
                return First(decision, model, $"{about} refuses the request with its message; no target was asked") with { Order = [model] };
            default:
                return decision;
        }
    }

    private static RouteDecision First(RouteDecision decision, string target, string reason) => decision with
    {
        Order = [target, .. decision.Order.Where(t => !string.Equals(t, target, StringComparison.OrdinalIgnoreCase))],
        Reason = reason,
    };
}
