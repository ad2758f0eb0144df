using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Takase.Routing;
using Takase.Routing.Decisions;
using Takase.Server.Ollama;
using Takase.Server.Persistence;

namespace Takase.Server.Routing;

/// <summary>
/// GET /api/router/stats?bucket=hour|day&amp;since=ISO-8601 (default: the last 24 hours or 30 days): how many routed requests each target took and what they
/// cost, per hour or day, from the stored route decisions — the dashboard's "share of traffic and cost per target".
/// A request counts for the target that answered it, or the one chosen first when none did. Its cost is the router's
/// own estimate recorded in the decision for that target (estimated prompt and answer tokens × the target's configured
/// prices), because decisions do not record the tokens actually used.
/// </summary>
public static class RouteStatsApi
{
    /// <summary>Most buckets one answer holds (a month of hours, three years of days).</summary>
    public const int MaxBuckets = 24 * 31;

    /// <summary>Most decisions one answer reads; beyond that the answer says it is truncated.</summary>
    public const int MaxDecisions = 100_000;

    /// <summary>What the cost figures are, stated in every answer so no page presents them as billed amounts.</summary>
    public const string CostBasis = "estimated: the router's cost estimate for the answering target at decision time (estimated prompt and answer tokens × the target's configured prices); actual token counts are not recorded";

    /// <summary>Maps the route.</summary>
    public static void Map(WebApplication app) => app.MapGet("/api/router/stats", (HttpContext http) =>
    {
        var now = DateTimeOffset.UtcNow;
        var query = http.Request.Query;
        var bucket = query["bucket"] is { Count: > 0 } b ? b.ToString() : "hour";
        TimeSpan width;
        switch (bucket)
        {
            case "hour": width = TimeSpan.FromHours(1); break;
            case "day": width = TimeSpan.FromDays(1); break;
            default:
                return Error(http, $"bucket must be 'hour' or 'day', not '{bucket}'");
        }
        // By default the last 24 hours or 30 days, the current one included.
        var since = Floor(now, width) - TimeSpan.FromTicks(width.Ticks * ((bucket == "hour" ? 24 : 30) - 1));
        if (query["since"] is { Count: > 0 } given)
        {
            if (!DateTimeOffset.TryParse(given, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out since))
                return Error(http, $"since must be an ISO-8601 time such as 2026-01-31T09:00:00Z, not '{given}'");
            if (since > now) return Error(http, $"since ({since:O}) is in the future");
        }
        var start = Floor(since, width);
        if ((Floor(now, width) - start).Ticks / width.Ticks + 1 > MaxBuckets)
            return Error(http, $"since {since:O} spans more than {MaxBuckets} {bucket}s; pick a later time or bucket=day");

        var (decisions, source) = Read(http.RequestServices, start);
        var stats = Compute(decisions, bucket, width, start, now);
        return OllamaJson.WriteAsync(http.Response, stats with { Source = source, Truncated = decisions.Count >= MaxDecisions });
    });

    /// <summary>The decisions since <paramref name="start"/>: from the database, or from the in-memory route log when there is none or it is down.</summary>
    private static (IReadOnlyList<RouteDecision> Decisions, string Source) Read(IServiceProvider services, DateTimeOffset start)
    {
        if (services.GetService<TakaseStore>() is IRouteStatsStore store)
        {
            try
            {
                return (store.DecisionsSince(start, MaxDecisions), "database");
            }
            catch (StoreUnavailableException)
            {
                // Fall through: recent decisions are also held in memory.
            }
        }
        var recent = services.GetRequiredService<IRouteLog>().Recent(MaxDecisions);
        return ([.. recent.Where(d => d.CreatedAt >= start).OrderBy(d => d.CreatedAt)], "memory");
    }

    /// <summary>
    /// Counts <paramref name="decisions"/> per bucket of <paramref name="width"/> from <paramref name="start"/> (a bucket
    /// boundary) to the bucket holding <paramref name="until"/>; every bucket is listed, empty ones too, so a chart's
    /// time axis has no gaps.
    /// </summary>
    public static RouteStats Compute(IEnumerable<RouteDecision> decisions, string bucket, TimeSpan width, DateTimeOffset start, DateTimeOffset until)
    {
        var count = (int)((Floor(until, width) - start).Ticks / width.Ticks) + 1;
        var buckets = new List<StatsBucket>(count);
        for (var i = 0; i < count; i++)
            buckets.Add(new StatsBucket(start + TimeSpan.FromTicks(width.Ticks * i), new SortedDictionary<string, TargetStats>(StringComparer.Ordinal)));
        foreach (var d in decisions)
        {
            var index = (d.CreatedAt - start).Ticks / width.Ticks;
            if (d.CreatedAt < start || index >= count) continue;
            var target = TargetOf(d);
            var cost = d.Candidates.FirstOrDefault(c => c.Target == target)?.EstimatedCost ?? 0;
            var targets = buckets[(int)index].Targets;
            var before = targets.GetValueOrDefault(target) ?? new TargetStats(0, 0);
            targets[target] = new TargetStats(before.Requests + 1, before.Cost + cost);
        }
        return new RouteStats(bucket, start, buckets, CostBasis);
    }

    /// <summary>The target a decision's request counts for: the one that answered, else the one chosen first, else "(none)".</summary>
    public static string TargetOf(RouteDecision decision) =>
        decision.Hops.LastOrDefault(h => h.Outcome == "ok")?.Target ?? (decision.Order.Count > 0 ? decision.Order[0] : "(none)");

    private static DateTimeOffset Floor(DateTimeOffset t, TimeSpan width)
    {
        var utc = t.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % width.Ticks, TimeSpan.Zero);
    }

    private static Task Error(HttpContext http, string message) =>
        OllamaJson.WriteAsync(http.Response, new { error = message }, StatusCodes.Status400BadRequest);
}

/// <summary>The answer of GET /api/router/stats.</summary>
/// <param name="Bucket">"hour" or "day".</param>
/// <param name="Since">The start of the first bucket.</param>
/// <param name="Buckets">Every bucket from <paramref name="Since"/> to now, oldest first.</param>
/// <param name="CostBasis">What the cost figures are (<see cref="RouteStatsApi.CostBasis"/>).</param>
public sealed record RouteStats(
    [property: JsonPropertyName("bucket")] string Bucket,
    [property: JsonPropertyName("since")] DateTimeOffset Since,
    [property: JsonPropertyName("buckets")] IReadOnlyList<StatsBucket> Buckets,
    [property: JsonPropertyName("cost_basis")] string CostBasis)
{
    /// <summary>Where the decisions came from: "database", or "memory" when the database was unavailable.</summary>
    [JsonPropertyName("source")] public string Source { get; init; } = "database";
    /// <summary>True when more decisions fell in the range than <see cref="RouteStatsApi.MaxDecisions"/> (the newest were left out).</summary>
    [JsonPropertyName("truncated")] public bool Truncated { get; init; }
}

/// <summary>One hour or day: its start and each target's requests and estimated cost.</summary>
public sealed record StatsBucket(
    [property: JsonPropertyName("start")] DateTimeOffset Start,
    [property: JsonPropertyName("targets")] SortedDictionary<string, TargetStats> Targets);

/// <summary>One target in one bucket.</summary>
/// <param name="Requests">Requests it took.</param>
/// <param name="Cost">Their estimated cost in USD (see <see cref="RouteStatsApi.CostBasis"/>).</param>
public sealed record TargetStats(
    [property: JsonPropertyName("requests")] int Requests,
    [property: JsonPropertyName("cost")] double Cost);
