using System.Text.Json.Serialization;
using Takase.Routing.Decisions;
using Takase.Routing.Privacy;

namespace Takase.Server.Routing;

/// <summary>
/// A <see cref="RouteDecision"/> on the wire, snake_case as the rest of both APIs: Ollama's final chunk and OpenAI's
/// response carry it as "takase", and GET /api/routes/{id} returns it. Durations are milliseconds.
/// </summary>
public sealed record RouteExplanation
{
    /// <summary>The decision's id (the x-takase-route-id header).</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }
    /// <summary>The profile the client asked for.</summary>
    [JsonPropertyName("profile")] public required string Profile { get; init; }
    /// <summary>The strategy that scored the prompt.</summary>
    [JsonPropertyName("strategy")] public required string Strategy { get; init; }
    /// <summary>The target the router chose first.</summary>
    [JsonPropertyName("chosen")] public required string Chosen { get; init; }
    /// <summary>The target that answered (after fallbacks), or null while none has.</summary>
    [JsonPropertyName("answered_by"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? AnsweredBy { get; init; }
    /// <summary>The targets in the order they were to be tried.</summary>
    [JsonPropertyName("order")] public required IReadOnlyList<string> Order { get; init; }
    /// <summary>One sentence: why.</summary>
    [JsonPropertyName("reason")] public required string Reason { get; init; }
    /// <summary>The learned score, when a learned strategy decided.</summary>
    [JsonPropertyName("score"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? Score { get; init; }
    /// <summary>The thresholds the score was compared with.</summary>
    [JsonPropertyName("thresholds")] public required IReadOnlyList<double> Thresholds { get; init; }
    /// <summary>Every candidate, eligible or not.</summary>
    [JsonPropertyName("candidates")] public required IReadOnlyList<CandidateExplanation> Candidates { get; init; }
    /// <summary>The inputs that moved the score most.</summary>
    [JsonPropertyName("contributions")] public required IReadOnlyList<ContributionExplanation> Contributions { get; init; }
    /// <summary>Rules that applied.</summary>
    [JsonPropertyName("applied_rules")] public required IReadOnlyList<string> AppliedRules { get; init; }
    /// <summary>What the profile's privacy policy found and did, or null when the profile has none.</summary>
    [JsonPropertyName("privacy"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public PrivacyExplanation? Privacy { get; init; }
    /// <summary>The norms profile that applied (name, version, the deciding rule), or null when none does.</summary>
    [JsonPropertyName("norms"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public NormsExplanation? Norms { get; init; }
    /// <summary>Each attempt, in order.</summary>
    [JsonPropertyName("hops")] public required IReadOnlyList<HopExplanation> Hops { get; init; }
    /// <summary>When the decision was made.</summary>
    [JsonPropertyName("created_at")] public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>How long deciding took, in milliseconds.</summary>
    [JsonPropertyName("decision_ms")] public required double DecisionMilliseconds { get; init; }

    /// <summary>The wire form of <paramref name="d"/>.</summary>
    public static RouteExplanation From(RouteDecision d) => new()
    {
        Id = d.Id,
        Profile = d.Profile,
        Strategy = d.Strategy,
        Chosen = d.Order.Count > 0 ? d.Chosen : "",
        AnsweredBy = d.Hops.LastOrDefault(h => h.Outcome == "ok")?.Target,
        Order = d.Order,
        Reason = d.Reason,
        Score = d.Score,
        Thresholds = d.Thresholds,
        Candidates = [.. d.Candidates.Select(c => new CandidateExplanation(c.Target, c.Eligible, c.ExcludedBecause, c.PredictedQuality, c.EstimatedCost))],
        Contributions = [.. d.Contributions.Select(c => new ContributionExplanation(c.Feature, c.Weight, c.Text, c.Start, c.Length))],
        AppliedRules = d.AppliedRules,
        Privacy = d.Privacy is { } p ? PrivacyExplanation.From(p) : null,
        Norms = d.Norms is { } n ? new NormsExplanation(n.Name, n.Version, n.Rule, n.Action, n.Stage) : null,
        Hops = [.. d.Hops.Select(h => new HopExplanation(h.Target, h.Outcome, Math.Round(h.Elapsed.TotalMilliseconds, 3), h.Error))],
        CreatedAt = d.CreatedAt,
        DecisionMilliseconds = Math.Round(d.DecisionTime.TotalMilliseconds, 3),
    };
}

/// <summary>A candidate as the router weighed it.</summary>
public sealed record CandidateExplanation(
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("eligible")] bool Eligible,
    [property: JsonPropertyName("excluded_because"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ExcludedBecause,
    [property: JsonPropertyName("predicted_quality"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? PredictedQuality,
    [property: JsonPropertyName("estimated_cost")] double EstimatedCost);

/// <summary>An input that moved the score; start/length locate a text feature in the scored text.</summary>
public sealed record ContributionExplanation(
    [property: JsonPropertyName("feature")] string Feature,
    [property: JsonPropertyName("weight")] double Weight,
    [property: JsonPropertyName("text"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Text,
    [property: JsonPropertyName("start")] int Start,
    [property: JsonPropertyName("length")] int Length);

/// <summary>
/// The privacy part of an explanation: each entity type found with its count and the action taken — never a value —,
/// whether only local targets could take the request, and whether local targets got the redacted text too.
/// </summary>
public sealed record PrivacyExplanation(
    [property: JsonPropertyName("entities")] IReadOnlyList<PiiFindingExplanation> Entities,
    [property: JsonPropertyName("local_only")] bool LocalOnly,
    [property: JsonPropertyName("redact_local")] bool RedactLocal)
{
    /// <summary>The wire form of <paramref name="findings"/>.</summary>
    public static PrivacyExplanation From(PrivacyFindings findings) => new(
        [.. findings.Entities.Select(e => new PiiFindingExplanation(e.Type.WireName(), e.Count, e.Action.WireName()))],
        findings.RequiresLocal,
        findings.RedactLocal);
}

/// <summary>One entity type: "EMAIL", how many, and "allow", "mask", "redact", "block" or "local_only".</summary>
public sealed record PiiFindingExplanation(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("action")] string Action);

/// <summary>One attempt: the target, how it ended, how long it took, what went wrong.</summary>
public sealed record HopExplanation(
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("elapsed_ms")] double ElapsedMilliseconds,
    [property: JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);

/// <summary>The norms part of an explanation: the profile, its active version, and the rule that decided with its action and stage.</summary>
public sealed record NormsExplanation(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("rule"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Rule,
    [property: JsonPropertyName("action"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Action,
    [property: JsonPropertyName("stage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Stage);
