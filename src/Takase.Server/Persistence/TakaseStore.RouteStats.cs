using Dapper;
using Takase.Routing.Decisions;

namespace Takase.Server.Persistence;

/// <summary>Reads route decisions by time, for the dashboard's traffic and cost per target (GET /api/router/stats).</summary>
public interface IRouteStatsStore
{
    /// <summary>
    /// The decisions made at or after <paramref name="since"/>, oldest first, at most <paramref name="max"/> of them
    /// (the oldest ones when there are more).
    /// </summary>
    IReadOnlyList<RouteDecision> DecisionsSince(DateTimeOffset since, int max);
}

public sealed partial class TakaseStore : IRouteStatsStore
{
    /// <inheritdoc />
    public IReadOnlyList<RouteDecision> DecisionsSince(DateTimeOffset since, int max) =>
        max <= 0 ? [] : Run($"read route decisions since {since:O}", c =>
            c.Query<DecisionRow>("SELECT id AS Id, decision AS Decision FROM route_decisions WHERE created_ms >= @since ORDER BY created_ms, id LIMIT @max;",
                new { since = Ms(since), max = (long)max })
                .Select(ToDecision).ToList());
}
