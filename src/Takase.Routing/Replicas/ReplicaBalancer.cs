using System.Collections.Concurrent;
using Takase.Routing.Targets;

namespace Takase.Routing.Replicas;

/// <summary>What the balancer knows of one replica now.</summary>
/// <param name="Endpoint">The replica's OpenAI-compatible base URL (…/v1).</param>
/// <param name="Healthy">False after a failed request or probe, until a probe or request succeeds again.</param>
/// <param name="ReportedLoad">Requests running plus waiting, as the replica last reported (/api/queue or /metrics).</param>
/// <param name="InFlight">Requests this node has sent it that have not ended.</param>
/// <param name="CheckedAt">When it was last probed; null when never.</param>
/// <param name="Problem">Why it is unhealthy, for logs and the explanation.</param>
public sealed record ReplicaHealth(Uri Endpoint, bool Healthy, int ReportedLoad, int InFlight, DateTimeOffset? CheckedAt, string? Problem);

/// <summary>
/// Chooses among the replicas of a remote target (<see cref="TargetDefinition.Endpoints"/>): healthy ones first, the
/// least loaded first — load being what the replica reports (requests running and waiting, read from its
/// /api/queue or its Prometheus /metrics every <see cref="ProbeInterval"/>) plus what this node has in flight to it —
/// and equal loads in turn. A replica that fails a request is marked down at once and tried last until it answers a
/// probe or a request again, so a node that disappears costs one failed attempt, not one per request.
/// </summary>
/// <remarks>
/// State is per node on purpose: every gateway node probes the replicas itself, so nothing about balancing needs
/// the shared database, and a node that dies takes no balancing state another node depends on.
/// </remarks>
public sealed class ReplicaBalancer : IDisposable
{
    private readonly ConcurrentDictionary<string, Replica> _replicas = new(StringComparer.Ordinal);
    private readonly ReplicaProbe _probe;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private int _turn;
    private int _probing;

    /// <summary>
    /// A balancer probing with <paramref name="http"/> (a shared client; null makes one) every
    /// <paramref name="probeInterval"/> (default 2 s) once it has seen a target with replicas.
    /// </summary>
    public ReplicaBalancer(HttpClient? http = null, TimeSpan? probeInterval = null, TimeProvider? time = null)
    {
        ProbeInterval = probeInterval ?? TimeSpan.FromSeconds(2);
        if (ProbeInterval < TimeSpan.FromMilliseconds(50))
            throw new ArgumentOutOfRangeException(nameof(probeInterval), ProbeInterval, "the probe interval must be at least 50 ms");
        _time = time ?? TimeProvider.System;
        _probe = new ReplicaProbe(http ?? new HttpClient(), TimeSpan.FromSeconds(2));
    }

    /// <summary>How often the replicas are asked for their load and health.</summary>
    public TimeSpan ProbeInterval { get; }

    /// <summary>
    /// The endpoints of <paramref name="target"/> in the order to try them: healthy before down, then least load,
    /// then in turn (so equal replicas share the requests). Starts probing them if that is not already happening.
    /// </summary>
    public IReadOnlyList<Uri> Order(TargetDefinition target)
    {
        var endpoints = target.Endpoints();
        if (endpoints.Count <= 1) return endpoints;
        var turn = (uint)Interlocked.Increment(ref _turn);
        var ranked = endpoints
            .Select((e, i) => (Endpoint: e, Index: i, Replica: ReplicaOf(e, target.ApiKeyVariable)))
            .OrderBy(r => r.Replica.Healthy ? 0 : 1)
            .ThenBy(r => r.Replica.Load)
            .ThenBy(r => (r.Index - turn % (uint)endpoints.Count + (uint)endpoints.Count) % (uint)endpoints.Count)
            .Select(r => r.Endpoint)
            .ToList();
        StartProbing();
        return ranked;
    }

    /// <summary>Counts a request to <paramref name="endpoint"/> as in flight until the returned handle is disposed.</summary>
    public IDisposable Begin(Uri endpoint)
    {
        var replica = ReplicaOf(endpoint);
        Interlocked.Increment(ref replica.InFlight);
        return new InFlight(replica);
    }

    /// <summary>The replica answered: it is healthy.</summary>
    public void Succeeded(Uri endpoint) => ReplicaOf(endpoint).MarkUp();

    /// <summary>The replica failed a request for a reason of its own (refused, 5xx, timeout): it is tried last until it recovers.</summary>
    public void Failed(Uri endpoint, string problem) => ReplicaOf(endpoint).MarkDown(problem);

    /// <summary>What is known of <paramref name="endpoint"/>.</summary>
    public ReplicaHealth Health(Uri endpoint)
    {
        var r = ReplicaOf(endpoint);
        return new ReplicaHealth(endpoint, r.Healthy, r.ReportedLoad, Volatile.Read(ref r.InFlight), r.CheckedAt, r.Problem);
    }

    /// <summary>Probes every known replica once now (the background loop does this every <see cref="ProbeInterval"/>).</summary>
    public Task ProbeAllAsync(CancellationToken cancel = default) =>
        Task.WhenAll(_replicas.Values.Select(r => ProbeAsync(r, cancel)));

    private async Task ProbeAsync(Replica replica, CancellationToken cancel)
    {
        var key = replica.KeyVariable is { Length: > 0 } variable ? Environment.GetEnvironmentVariable(variable) : null;
        var result = await _probe.ReadAsync(replica.Endpoint, key, cancel);
        replica.CheckedAt = _time.GetUtcNow();
        if (result.Load is { } load)
        {
            replica.ReportedLoad = load;
            replica.MarkUp();
        }
        else replica.MarkDown(result.Problem ?? "the probe failed");
    }

    private void StartProbing()
    {
        if (Interlocked.Exchange(ref _probing, 1) == 1) return;
        _ = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(ProbeInterval, _time);
            try
            {
                // Replicas start healthy (a failed request marks one down at once); the first probe is one interval in.
                while (await timer.WaitForNextTickAsync(_stop.Token)) await ProbeAllAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                // Disposed.
            }
        });
    }

    private Replica ReplicaOf(Uri endpoint, string? keyVariable = null)
    {
        var replica = _replicas.GetOrAdd(endpoint.AbsoluteUri, _ => new Replica(endpoint));
        if (keyVariable is { Length: > 0 }) replica.KeyVariable = keyVariable;
        return replica;
    }

    /// <summary>Stops probing.</summary>
    public void Dispose() => _stop.Cancel();

    private sealed class Replica(Uri endpoint)
    {
        public Uri Endpoint { get; } = endpoint;
        /// <summary>The target's API key variable: probes of a node that requires keys send it, as requests do.</summary>
        public volatile string? KeyVariable;
        public int InFlight;
        public volatile bool Healthy = true;
        public volatile int ReportedLoad;
        public volatile string? Problem;
        public DateTimeOffset? CheckedAt { get; set; }
        public int Load => ReportedLoad + Volatile.Read(ref InFlight);

        public void MarkUp()
        {
            Healthy = true;
            Problem = null;
        }

        public void MarkDown(string problem)
        {
            Problem = problem;
            Healthy = false;
        }
    }

    private sealed class InFlight(Replica replica) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0) Interlocked.Decrement(ref replica.InFlight);
        }
    }
}
