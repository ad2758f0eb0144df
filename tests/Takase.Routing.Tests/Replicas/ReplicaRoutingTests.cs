using System.Diagnostics;
using Takase.Routing.Decisions;
using Takase.Routing.Execution;
using Takase.Routing.Remote;
using Takase.Routing.Replicas;
using Takase.Routing.Targets;

namespace Takase.Routing.Tests.Replicas;

/// <summary>
/// A remote target with replicas, run by the executor against real HTTP servers on loopback through the real
/// <see cref="RemoteTargetClient"/>: equal replicas share the requests, the less loaded one (as its /api/queue
/// reports) is preferred, and a replica whose node disappears costs one failed attempt inside the same request,
/// after which it is tried last until a probe finds it back.
/// </summary>
public sealed class ReplicaRoutingTests : IDisposable
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private readonly ReplicaServer _a = new("a");
    private readonly ReplicaServer _b = new("b");
    // Probes run when the test says (ProbeAllAsync); the background loop's interval is longer than any test.
    private readonly ReplicaBalancer _balancer = new(probeInterval: TimeSpan.FromHours(1));

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
        _balancer.Dispose();
    }

    private TargetDefinition Pool() => new()
    {
        Name = "pool",
        Kind = TargetKind.Remote,
        Model = "m",
        Endpoint = _a.Endpoint,
        Replicas = [_b.Endpoint],
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static RouteDecision Decision(params string[] order) => new()
    {
        Id = "rt_" + Guid.NewGuid().ToString("N")[..24],
        CreatedAt = DateTimeOffset.UtcNow,
        Profile = "auto",
        Strategy = "rules",
        Candidates = [.. order.Select(t => new CandidateAssessment(t, true, null, null, 0))],
        Order = order,
        Reason = "test",
    };

    private static async Task<RemoteAnswer> AskAsync(TargetExecutor executor, Dictionary<string, RemoteTargetClient> clients, RouteDecision decision)
    {
        using var run = await executor.ExecuteAsync(decision, (t, token) =>
        {
            var key = t.Endpoint!.AbsoluteUri;
            RemoteTargetClient client;
            lock (clients) client = clients.TryGetValue(key, out var c) ? c : clients[key] = new RemoteTargetClient(t);
            return client.ChatAsync(new RemoteChatCall { Messages = [new RemoteMessage("user", "hi")] }, token);
        }, Cancel);
        run.Finish(null);
        return run.Answer;
    }

    [Fact]
    public async Task EqualReplicasShareTheRequestsInTurn()
    {
        var executor = new TargetExecutor([Pool()], replicas: _balancer);
        var clients = new Dictionary<string, RemoteTargetClient>();

        for (var i = 0; i < 6; i++) await AskAsync(executor, clients, Decision("pool"));

        Assert.Equal(3, _a.Answered);
        Assert.Equal(3, _b.Answered);
    }

    [Fact]
    public async Task TheReplicaReportingLessLoadIsPreferred()
    {
        var executor = new TargetExecutor([Pool()], replicas: _balancer);
        var clients = new Dictionary<string, RemoteTargetClient>();
        _a.Load = 7;
        _b.Load = 1;
        _balancer.Order(Pool()); // registers both replicas for probing
        await _balancer.ProbeAllAsync(Cancel);
        Assert.Equal(7, _balancer.Health(_a.Endpoint).ReportedLoad);

        for (var i = 0; i < 4; i++) Assert.Equal("from b", (await AskAsync(executor, clients, Decision("pool"))).Content);

        Assert.Equal(0, _a.Answered);
        Assert.Equal(4, _b.Answered);
    }

    [Fact]
    public async Task AReplicaThatDisappearsFailsOverWithinTheRequestAndIsThenTriedLast()
    {
        var log = new RouteLog();
        var executor = new TargetExecutor([Pool()], log: log, replicas: _balancer);
        var clients = new Dictionary<string, RemoteTargetClient>();
        await AskAsync(executor, clients, Decision("pool"));
        await AskAsync(executor, clients, Decision("pool"));
        Assert.Equal((1, 1), (_a.Answered, _b.Answered));

        _a.Stop();
        var clock = Stopwatch.StartNew();
        var answers = new List<string?>();
        var decisions = new List<RouteDecision>();
        for (var i = 0; i < 4; i++)
        {
            var decision = Decision("pool");
            answers.Add((await AskAsync(executor, clients, decision)).Content);
            decisions.Add(decision);
        }
        clock.Stop();

        Assert.All(answers, a => Assert.Equal("from b", a));
        Assert.Equal(5, _b.Answered);
        var health = _balancer.Health(_a.Endpoint);
        Assert.False(health.Healthy);
        Assert.NotNull(health.Problem);
        Assert.True(executor.IsAvailable("pool"), "the target stays available while one replica answers");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"failover took {clock.Elapsed}");
        // At most one request met the dead replica (the first whose turn it was); its hop says which answered instead.
        var notes = decisions.Select(d => log.Find(d.Id)!.Hops.Single()).Where(h => h.Error is not null).ToList();
        Assert.True(notes.Count <= 1, string.Join("; ", notes.Select(n => n.Error)));
        Assert.All(notes, n => Assert.Contains($"answered by replica {_b.Endpoint}", n.Error));
        Assert.All(decisions, d => Assert.Equal(HopOutcomes.Ok, log.Find(d.Id)!.Hops.Single().Outcome));
    }

    [Fact]
    public async Task ADeadReplicaComesBackAfterAProbeFindsItAnswering()
    {
        var pool = Pool();
        _balancer.Failed(_a.Endpoint, "refused on purpose");
        Assert.Equal([_b.Endpoint, _a.Endpoint], _balancer.Order(pool));
        Assert.Equal([_b.Endpoint, _a.Endpoint], _balancer.Order(pool));

        await _balancer.ProbeAllAsync(Cancel);

        Assert.True(_balancer.Health(_a.Endpoint).Healthy);
        var firsts = Enumerable.Range(0, 4).Select(_ => _balancer.Order(pool)[0]).ToList();
        Assert.Contains(_a.Endpoint, firsts);
        Assert.Contains(_b.Endpoint, firsts);
    }

    [Fact]
    public async Task WhenEveryReplicaIsGoneTheNextCandidateAnswersAndTheHopNamesEachReplica()
    {
        using var other = new ReplicaServer("other");
        var fallback = new TargetDefinition { Name = "other", Kind = TargetKind.Remote, Model = "m", Endpoint = other.Endpoint };
        var log = new RouteLog();
        var executor = new TargetExecutor([Pool(), fallback], log: log, replicas: _balancer);
        var clients = new Dictionary<string, RemoteTargetClient>();
        _a.Stop();
        _b.Stop();
        var decision = Decision("pool", "other");

        Assert.Equal("from other", (await AskAsync(executor, clients, decision)).Content);

        var hops = log.Find(decision.Id)!.Hops;
        Assert.Equal(["pool", "other"], hops.Select(h => h.Target));
        Assert.NotEqual(HopOutcomes.Ok, hops[0].Outcome);
        Assert.Contains(_a.Endpoint.ToString(), hops[0].Error);
        Assert.Contains(_b.Endpoint.ToString(), hops[0].Error);
        Assert.Equal(HopOutcomes.Ok, hops[1].Outcome);
    }
}
