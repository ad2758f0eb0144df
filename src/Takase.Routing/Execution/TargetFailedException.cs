namespace Takase.Routing.Execution;

/// <summary>
/// A target failed to answer in a way another candidate may not: unreachable, too slow, rate limited, out of context,
/// a server error, or an answer that is not what the protocol promises. The executor records <see cref="Outcome"/> as
/// the hop's outcome and moves on to the next candidate.
/// </summary>
public class TargetFailedException(string target, string outcome, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The target that failed.</summary>
    public string Target { get; } = target;
    /// <summary>The hop outcome, one of <see cref="HopOutcomes"/>.</summary>
    public string Outcome { get; } = outcome;
}

/// <summary>Every target of a decision was tried and none answered; the message lists each hop.</summary>
public sealed class AllTargetsFailedException(string message, Decisions.RouteDecision decision)
    : RoutingException(message)
{
    /// <summary>The decision with every failed hop.</summary>
    public Decisions.RouteDecision Decision { get; } = decision;
}

/// <summary>The outcomes a <see cref="Decisions.RouteHop"/> records.</summary>
public static class HopOutcomes
{
    /// <summary>The target answered.</summary>
    public const string Ok = "ok";
    /// <summary>No answer (or no first token) within the target's timeout.</summary>
    public const string Timeout = "timeout";
    /// <summary>A server error, an unreachable endpoint, or a garbled answer.</summary>
    public const string Error = "error";
    /// <summary>The provider refused for now (HTTP 429).</summary>
    public const string RateLimited = "rate_limited";
    /// <summary>The prompt does not fit the target's context.</summary>
    public const string ContextLength = "context_length";
    /// <summary>The target's circuit breaker is open after repeated failures; it was not tried.</summary>
    public const string CircuitOpen = "circuit_open";
    /// <summary>The target cannot take requests on this server (e.g. the operator queue is not enabled).</summary>
    public const string Unavailable = "unavailable";
    /// <summary>A cascade escalated past this answer.</summary>
    public const string LowConfidence = "low_confidence";
    /// <summary>The client went away while this target was answering.</summary>
    public const string Cancelled = "cancelled";
}
