using Takase.Routing.Decisions;

namespace Takase.Routing;

/// <summary>
/// Decides where a request for a router profile goes. Deciding is pure and fast (no I/O): the executor in the server
/// then tries <see cref="RouteDecision.Order"/> in turn and records each hop.
/// </summary>
public interface IRouter
{
    /// <summary>Whether <paramref name="model"/> names a router profile (else it is a concrete model).</summary>
    bool IsProfile(string model);

    /// <summary>The profile names, for model listings.</summary>
    IReadOnlyList<string> Profiles { get; }

    /// <summary>
    /// Decides for <paramref name="request"/>. <paramref name="isAvailable"/> tells whether a target can take requests
    /// now (false while its circuit breaker is open); unavailable targets are listed as excluded with that reason.
    /// </summary>
    /// <exception cref="RoutingException">the profile does not exist, or no candidate is eligible (the message lists why each was excluded).</exception>
    RouteDecision Decide(RouteRequest request, Func<string, bool>? isAvailable = null);
}

/// <summary>A request the router cannot place; the message says why for each candidate.</summary>
public class RoutingException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Routing decisions by id, for GET /api/routes/{id} and the dashboard: the server records each decision and updates
/// it with the hops as the answer runs.
/// </summary>
public interface IRouteLog
{
    /// <summary>Stores or replaces a decision (the same id again replaces it, e.g. with its hops filled in).</summary>
    void Record(RouteDecision decision);

    /// <summary>The decision with this id, or null when unknown (or aged out).</summary>
    RouteDecision? Find(string id);

    /// <summary>The most recent decisions, newest first.</summary>
    IReadOnlyList<RouteDecision> Recent(int count);
}
