namespace Takase.Routing.Decisions;

/// <summary>
/// A routing decision and its explanation: every candidate with its predicted quality and cost or the reason it was
/// excluded, the score and threshold, the inputs that moved the score most, and — filled in while the request runs —
/// each hop (the target tried, how it went). Returned with the answer and retrievable by <see cref="Id"/>.
/// </summary>
public sealed record RouteDecision
{
    /// <summary>Unique id ("rt_…"), the x-takase-route-id header and GET /api/routes/{id}.</summary>
    public required string Id { get; init; }
    /// <summary>When the decision was made.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>The profile that decided.</summary>
    public required string Profile { get; init; }
    /// <summary>The strategy that scored the prompt.</summary>
    public required string Strategy { get; init; }
    /// <summary>Every candidate of the profile, eligible or not.</summary>
    public required IReadOnlyList<CandidateAssessment> Candidates { get; init; }
    /// <summary>The targets to try, in order: the chosen one first, then the fallbacks.</summary>
    public required IReadOnlyList<string> Order { get; init; }
    /// <summary>The learned score (how much the prompt needs a stronger tier, 0..1), or null for rules only.</summary>
    public double? Score { get; init; }
    /// <summary>The thresholds the score was compared with.</summary>
    public IReadOnlyList<double> Thresholds { get; init; } = [];
    /// <summary>The inputs that moved the score most, strongest first (for the n-gram model: exact substrings).</summary>
    public IReadOnlyList<Contribution> Contributions { get; init; } = [];
    /// <summary>Rules that applied, by name.</summary>
    public IReadOnlyList<string> AppliedRules { get; init; } = [];
    /// <summary>One sentence a person can read: why the first target was chosen.</summary>
    public required string Reason { get; init; }
    /// <summary>How long deciding took.</summary>
    public TimeSpan DecisionTime { get; init; }
    /// <summary>What the profile's privacy policy found and did (types, counts, actions; never values), or null when the profile has none.</summary>
    public Privacy.PrivacyFindings? Privacy { get; init; }
    /// <summary>The norms profile the request ran under (name, version, the rule that decided), or null when none applies.</summary>
    public Norms.NormsApplied? Norms { get; init; }
    /// <summary>The attempts made while answering (filled in by the executor).</summary>
    public IReadOnlyList<RouteHop> Hops { get; init; } = [];

    /// <summary>The target that was chosen first.</summary>
    public string Chosen => Order[0];
}

/// <summary>One candidate as the router weighed it.</summary>
/// <param name="Target">The target's name.</param>
/// <param name="Eligible">Whether it could take the request.</param>
/// <param name="ExcludedBecause">Why not (capability, language, context, privacy, circuit open…), or null.</param>
/// <param name="PredictedQuality">The learned model's predicted quality for this target (0..1), or its evaluation prior when priors decided, or null.</param>
/// <param name="EstimatedCost">Estimated cost of this request in USD.</param>
public sealed record CandidateAssessment(string Target, bool Eligible, string? ExcludedBecause, double? PredictedQuality, double EstimatedCost);

/// <summary>
/// An input that moved the score: a feature (an n-gram, a statistic, a neighbour's id) with its signed contribution and,
/// for text features, where it occurs in the scored text so a UI can highlight it.
/// </summary>
/// <param name="Feature">What it is ("ngram:証明", "length", "neighbour:gsm8k-17").</param>
/// <param name="Weight">Its signed contribution to the score (positive pushes toward the stronger tier).</param>
/// <param name="Text">The substring, for text features.</param>
/// <param name="Start">Start of the first occurrence in the scored text (UTF-16 index), or −1.</param>
/// <param name="Length">Length of that occurrence.</param>
public sealed record Contribution(string Feature, double Weight, string? Text = null, int Start = -1, int Length = 0);

/// <summary>One attempt at answering: which target, how it ended, how long it took.</summary>
/// <param name="Target">The target tried.</param>
/// <param name="Outcome">"ok", "timeout", "error", "rate_limited", "context_length", "circuit_open", "low_confidence".</param>
/// <param name="Elapsed">Time spent on the attempt.</param>
/// <param name="Error">What went wrong, when it did.</param>
public sealed record RouteHop(string Target, string Outcome, TimeSpan Elapsed, string? Error = null);
