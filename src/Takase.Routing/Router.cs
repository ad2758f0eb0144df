using System.Collections.Frozen;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Takase.Routing.Configuration;
using Takase.Routing.Decisions;
using Takase.Routing.Learned;
using Takase.Routing.Priors;
using Takase.Routing.Privacy;
using Takase.Routing.Profiles;
using Takase.Routing.Rules;
using Takase.Routing.Targets;

namespace Takase.Routing;

/// <summary>
/// The router: for a request to a profile, screens it with the profile's privacy policy, drops the candidates that
/// cannot take it (capabilities, language, context, circuit breaker, privacy rules, local-only personal data), applies
/// the profile's rules, and — for learned strategies — compares the model's
/// score with the profile's thresholds to pick a tier. Returns the order to try (the chosen target, then the stronger
/// ones, then the cheaper ones) with a complete explanation. Pure and fast: no I/O after the models are loaded.
/// </summary>
public sealed class Router : IRouter
{
    private readonly RouterSetup _setup;
    private readonly TimeProvider _time;
    private readonly FrozenDictionary<string, Lazy<LearnedState>> _learned;
    private readonly PiiAnalyzer _analyzer;
    private readonly Func<RoutingPriors?>? _priors;

    /// <summary>Creates a router over a validated setup.</summary>
    /// <param name="setup">Targets and profiles (see <see cref="RouterConfiguration.Load"/>).</param>
    /// <param name="modelFor">
    /// Loads the trained model of a learned profile; called once per profile, on its first request (null: no model,
    /// the profile falls back to its first eligible candidate and says so).
    /// </param>
    /// <param name="time">The clock for <see cref="RouteDecision.CreatedAt"/>; the system clock by default.</param>
    /// <param name="analyzer">Finds personal data for profiles with a privacy policy; <see cref="PiiAnalyzer.Default"/> by default.</param>
    /// <param name="priors">
    /// The current evaluation priors (an in-memory snapshot the host swaps when runs are stored), for the priors strategy
    /// and for learned profiles without a model; null: none.
    /// </param>
    public Router(RouterSetup setup, Func<RouterProfile, IRoutingModel?>? modelFor = null, TimeProvider? time = null, PiiAnalyzer? analyzer = null,
        Func<RoutingPriors?>? priors = null)
    {
        _priors = priors;
        _setup = setup;
        _time = time ?? TimeProvider.System;
        _analyzer = analyzer ?? PiiAnalyzer.Default;
        _learned = setup.Profiles.Values
            .Where(p => IsLearned(p.Strategy))
            .ToFrozenDictionary(
                p => p.Name,
                p => new Lazy<LearnedState>(() => LearnedState.Load(p, modelFor)),
                StringComparer.OrdinalIgnoreCase);
        Profiles = setup.Profiles.Keys.Order(StringComparer.OrdinalIgnoreCase).ToArray();
    }

    /// <summary>The targets and profiles this router decides over.</summary>
    public RouterSetup Setup => _setup;

    /// <inheritdoc />
    public IReadOnlyList<string> Profiles { get; }

    /// <inheritdoc />
    /// <remarks>Accepts the ":latest" tag Ollama clients add to bare model names ("auto:latest" is the profile "auto").</remarks>
    public bool IsProfile(string model) => _setup.Profiles.ContainsKey(StripLatest(model));

    /// <inheritdoc />
    /// <remarks>
    /// A request to a profile with a privacy policy is screened first, unless the caller did (<see cref="RouteRequest.Privacy"/>
    /// set): rules and the learned model then see the screened text, so neither the score's contributions nor the
    /// explanation can hold a protected value, and local-only findings exclude every non-local target.
    /// </remarks>
    /// <exception cref="PiiBlockedException">the prompt holds personal data the profile's policy blocks (the message names types only).</exception>
    public RouteDecision Decide(RouteRequest request, Func<string, bool>? isAvailable = null)
    {
        var started = Stopwatch.GetTimestamp();
        if (!_setup.Profiles.TryGetValue(StripLatest(request.Profile), out var profile))
            throw new RoutingException($"'{request.Profile}' is not a router profile (profiles: {string.Join(", ", Profiles)}).");
        if (request.Privacy is null && _setup.PrivacyOf(profile.Name) is { } policy) request = Screen(request, policy);

        var facts = new PromptFacts(request);
        var rules = RuleOutcome.Evaluate(_setup.RulesOf(profile.Name), facts);
        var notes = new List<string>(rules.Notes);

        // Eligibility of every candidate, in profile order (cheapest tier first).
        var candidates = profile.Candidates;
        var targets = new TargetDefinition[candidates.Count];
        var exclusions = new List<string>[candidates.Count];
        var eligible = new List<int>(candidates.Count);
        for (var i = 0; i < candidates.Count; i++)
        {
            targets[i] = _setup.Targets[candidates[i]];
            exclusions[i] = CandidateEligibility.Exclusions(targets[i], facts, rules, isAvailable);
            if (exclusions[i].Count == 0) eligible.Add(i);
        }
        if (eligible.Count == 0)
            throw new RoutingException(
                $"No candidate of profile '{profile.Name}' can take this request: "
                + string.Join("; ", candidates.Select((c, i) => $"{c}: {string.Join(", ", exclusions[i])}")) + ".");

        // The learned score, when the strategy has one.
        RoutingScore? score = null;
        IReadOnlyList<double> thresholds = [];
        string? calibration = null;
        string strategy = StrategyName(profile.Strategy);
        if (_learned.TryGetValue(profile.Name, out var lazy))
        {
            var state = lazy.Value;
            if (state.Problem is not null) notes.Add(state.Problem);
            else
            {
                strategy = state.Model!.Kind;
                (thresholds, calibration) = (state.Thresholds, state.Calibration);
                score = ScoreSafely(state.Model, facts.ScoredText, notes);
            }
        }

        // The choice: a required target, else a choice rule, else the strategy.
        int chosen;
        string why;
        double?[]? priorQuality = null;
        var fallbacks = true;
        if (rules.Required.Count > 0)
        {
            chosen = eligible[0]; // every other candidate is excluded by the requirement
            why = $"rule '{rules.Required[0].Rule}' requires it (no fallbacks)";
            fallbacks = false;
        }
        else if (ChooseByRule(rules.Choice, candidates, eligible, exclusions, notes) is { } byRule)
            (chosen, why) = byRule;
        else if (score is not null)
            (chosen, why) = ChooseByScore(score.StrongNeed, thresholds, calibration, candidates, eligible);
        else if ((profile.Strategy == RoutingStrategy.Priors || IsLearned(profile.Strategy))
                 && PriorChoice.Choose(_priors?.Invoke(), profile.MinQuality ?? PriorChoice.DefaultBar, facts.ScoredText, candidates, eligible, notes) is { } byPriors)
            (chosen, why, priorQuality, strategy) = (byPriors.Chosen, byPriors.Why, byPriors.Quality, "priors");
        else if (profile.Strategy == RoutingStrategy.Cascade)
        {
            chosen = eligible[0];
            var next = eligible.Skip(1).Select(i => candidates[i]).ToList();
            why = next.Count == 0
                ? "cheapest eligible candidate (cascade, nothing stronger is eligible to escalate to)"
                : $"cheapest eligible candidate; escalates to {string.Join(", then ", next)} when its answer's confidence is low";
        }
        else
        {
            chosen = eligible[0];
            why = IsLearned(profile.Strategy) || profile.Strategy == RoutingStrategy.Priors
                ? $"first eligible candidate, since the profile's {(IsLearned(profile.Strategy) ? "router model cannot score" : "evaluation priors cannot decide")}"
                : chosen == 0 ? "first candidate of the profile" : "first eligible candidate of the profile";
        }

        var order = new List<string>(eligible.Count) { candidates[chosen] };
        if (fallbacks)
        {
            // Stronger candidates first (better answers), then cheaper ones, nearest first.
            foreach (var i in eligible) if (i > chosen) order.Add(candidates[i]);
            for (var k = eligible.Count - 1; k >= 0; k--) if (eligible[k] < chosen) order.Add(candidates[eligible[k]]);
        }

        var assessments = new CandidateAssessment[candidates.Count];
        for (var i = 0; i < candidates.Count; i++)
            assessments[i] = new CandidateAssessment(
                candidates[i],
                exclusions[i].Count == 0,
                exclusions[i].Count == 0 ? null : string.Join("; ", exclusions[i]),
                score is null ? priorQuality?[i] : PredictedQuality(score.StrongNeed, i, candidates.Count),
                targets[i].CostOf(facts.PromptTokens, facts.AnswerTokens));

        return new RouteDecision
        {
            Id = NewId(),
            CreatedAt = _time.GetUtcNow(),
            Profile = profile.Name,
            Strategy = strategy,
            Candidates = assessments,
            Order = order,
            Score = score?.StrongNeed,
            Thresholds = thresholds,
            Contributions = score?.Contributions ?? [],
            AppliedRules = rules.Applied,
            Reason = Explain(candidates[chosen], why, candidates, exclusions, notes),
            Privacy = request.Privacy,
            DecisionTime = Stopwatch.GetElapsedTime(started),
        };
    }

    /// <summary>The request as the router sees it under <paramref name="policy"/>: screened messages and the findings.</summary>
    private RouteRequest Screen(RouteRequest request, PiiPolicy policy)
    {
        var screen = new PrivacyScreen(_analyzer, policy);
        var messages = request.Messages.Select(m => m with { Content = screen.Screen(m.Content).ForRouter }).ToList();
        screen.ThrowIfBlocked();
        return request with { Messages = messages, Privacy = screen.Findings };
    }

    /// <summary>
    /// Predicted quality of the candidate at <paramref name="position"/> relative to the strongest one: the weakest
    /// tier answers as well with probability 1 − score, the strongest is the reference (1), tiers between in proportion.
    /// </summary>
    internal static double PredictedQuality(double strongNeed, int position, int count) =>
        count <= 1 ? 1 - strongNeed : 1 - strongNeed * (1 - (double)position / (count - 1));

    private static (int, string)? ChooseByRule(RoutingRule? rule, IReadOnlyList<string> candidates, List<int> eligible,
        List<string>[] exclusions, List<string> notes)
    {
        switch (rule?.Action)
        {
            case RuleAction.Prefer:
                var at = IndexOf(candidates, rule.Target!);
                if (eligible.Contains(at)) return (at, $"rule '{rule.Name}' prefers it");
                notes.Add($"rule '{rule.Name}' prefers {rule.Target}, which is excluded ({string.Join(", ", exclusions[at])})");
                return null;
            case RuleAction.Strongest:
                return (eligible[^1], $"rule '{rule.Name}' asks for the strongest eligible candidate");
            case RuleAction.Cheapest:
                return (eligible[0], $"rule '{rule.Name}' asks for the cheapest eligible candidate");
            default:
                return null;
        }
    }

    /// <summary>
    /// The tier the score reaches: one threshold splits the cheapest from the strongest candidate; N−1 thresholds give
    /// each of N candidates its band. An excluded tier passes to the next stronger eligible candidate, else the next cheaper.
    /// </summary>
    private static (int, string) ChooseByScore(double s, IReadOnlyList<double> thresholds, string? calibration,
        IReadOnlyList<string> candidates, List<int> eligible)
    {
        var tier = 0;
        while (tier < thresholds.Count && s >= thresholds[tier]) tier++;
        var position = thresholds.Count == candidates.Count - 1 ? tier : tier == 0 ? 0 : candidates.Count - 1;

        var band = thresholds.Count == 0 ? $"score {F(s)}"
            : tier == 0 ? $"score {F(s)} below threshold {F(thresholds[0])}"
            : tier == thresholds.Count ? $"score {F(s)} at or above threshold {F(thresholds[^1])}"
            : $"score {F(s)} between thresholds {F(thresholds[tier - 1])} and {F(thresholds[tier])}";
        if (calibration is not null) band += $" ({calibration})";
        if (eligible.Contains(position)) return (position, band);

        var stronger = eligible.Where(i => i > position).DefaultIfEmpty(-1).First();
        var chosen = stronger >= 0 ? stronger : eligible.Last(i => i < position);
        return (chosen, $"{band} picks {candidates[position]}, which is excluded, so the next {(stronger >= 0 ? "stronger" : "cheaper")} eligible candidate");
    }

    private static string Explain(string chosen, string why, IReadOnlyList<string> candidates, List<string>[] exclusions, List<string> notes)
    {
        var text = new StringBuilder($"sent to {chosen}: {why}");
        for (var i = 0; i < candidates.Count; i++)
            if (exclusions[i].Count > 0) text.Append($"; {candidates[i]} excluded: {string.Join(", ", exclusions[i])}");
        foreach (var note in notes) text.Append("; ").Append(note);
        return text.ToString();
    }

    private static RoutingScore? ScoreSafely(IRoutingModel model, string text, List<string> notes)
    {
        try
        {
            var score = model.Score(text);
            if (double.IsFinite(score.StrongNeed)) return score with { StrongNeed = Math.Clamp(score.StrongNeed, 0, 1) };
            notes.Add($"the {model.Kind} model returned an invalid score ({score.StrongNeed}), so it was not used");
        }
        catch (Exception e)
        {
            notes.Add($"the {model.Kind} model failed to score ({e.GetType().Name}: {e.Message}), so it was not used");
        }
        return null;
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
            if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    private static string NewId()
    {
        Span<byte> bytes = stackalloc byte[12];
        RandomNumberGenerator.Fill(bytes);
        return "rt_" + Convert.ToHexStringLower(bytes);
    }

    private static string StripLatest(string model) => RouterSetup.ProfileName(model);

    private static bool IsLearned(RoutingStrategy s) =>
        s is RoutingStrategy.NGram or RoutingStrategy.MatrixFactorization or RoutingStrategy.Similarity;

    private static string StrategyName(RoutingStrategy s) => s switch
    {
        RoutingStrategy.Rules => "rules",
        RoutingStrategy.NGram => "ngram",
        RoutingStrategy.MatrixFactorization => "mf",
        RoutingStrategy.Similarity => "similarity",
        RoutingStrategy.Priors => "priors",
        _ => "cascade",
    };

    private static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>A learned profile's model and thresholds, loaded once; or why it cannot score.</summary>
    private sealed record LearnedState(IRoutingModel? Model, IReadOnlyList<double> Thresholds, string? Calibration, string? Problem)
    {
        public static LearnedState Load(RouterProfile profile, Func<RouterProfile, IRoutingModel?>? modelFor)
        {
            IRoutingModel? model;
            try
            {
                model = modelFor?.Invoke(profile);
            }
            catch (Exception e)
            {
                return Failed($"the router model of profile '{profile.Name}' could not be loaded ({e.Message}); using rules instead");
            }
            if (model is null)
                return Failed($"profile '{profile.Name}' has no trained router model{(profile.ModelPath is null ? "" : $" ({profile.ModelPath})")}; "
                              + $"train one with: takase router train DATA.jsonl --profile {profile.Name}");

            if (profile.Thresholds is { Count: > 0 } list) return new(model, list, null, null);
            if (profile.Threshold is { } one) return new(model, [one], null, null);
            var share = profile.StrongShare ?? 0.5; // validation requires a knob; 0.5 only guards options built without one
            try
            {
                var t = model.ThresholdForStrongShare(share);
                return double.IsFinite(t)
                    ? new(model, [t], $"calibrated for {share.ToString("0%", CultureInfo.InvariantCulture)} strong calls", null)
                    : Failed($"the {model.Kind} model gave no threshold for StrongShare {share}; using rules instead");
            }
            catch (Exception e)
            {
                return Failed($"the {model.Kind} model could not calibrate StrongShare {share} ({e.Message}); using rules instead");
            }
        }

        private static LearnedState Failed(string problem) => new(null, [], null, problem);
    }
}
