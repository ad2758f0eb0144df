using Polly.CircuitBreaker;
using Takase.Routing.Decisions;
using Takase.Routing.Execution;
using Takase.Routing.Targets;

namespace Takase.Routing.Tests.Execution;

/// <summary>
/// The executor on its own, with attempts that fail as told: fallbacks across candidates with one hop each, the
/// target's timeout, the circuit breaker, human targets, request faults that must not fall back, and the answer's
/// life after it was committed.
/// </summary>
public sealed class TargetExecutorTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static TargetDefinition Target(string name, TargetKind kind = TargetKind.Remote, double timeoutSeconds = 5) =>
        new() { Name = name, Kind = kind, Endpoint = new Uri("http://127.0.0.1:9/v1"), Timeout = TimeSpan.FromSeconds(timeoutSeconds) };

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

    private static Task<string> Fail(string target, string outcome) => throw new TargetFailedException(target, outcome, $"{target} failed on purpose");

    [Fact]
    public async Task AFailedTargetCostsOneHopAndTheNextAnswers()
    {
        var log = new RouteLog();
        var executor = new TargetExecutor([Target("a"), Target("b")], log: log);
        var decision = Decision("a", "b");

        using var run = await executor.ExecuteAsync(decision, (t, _) => t.Name == "a" ? Fail("a", HopOutcomes.RateLimited) : Task.FromResult("answer from b"), Cancel);

        Assert.Equal("answer from b", run.Answer);
        Assert.Equal("b", run.Target.Name);
        Assert.Equal([("a", "rate_limited"), ("b", "ok")], run.Decision.Hops.Select(h => (h.Target, h.Outcome)));
        Assert.Equal("a failed on purpose", run.Decision.Hops[0].Error);
        var final = run.Finish(null);
        Assert.Equal("ok", final.Hops[^1].Outcome);
        Assert.Same(final, log.Find(decision.Id));
    }

    [Fact]
    public async Task AnAttemptPastItsTargetsTimeoutIsStoppedAndTheNextTried()
    {
        var executor = new TargetExecutor([Target("slow", timeoutSeconds: 0.2), Target("b")]);
        CancellationToken seen = default;

        using var run = await executor.ExecuteAsync(Decision("slow", "b"), async (t, token) =>
        {
            if (t.Name == "b") return "b";
            seen = token;
            await Task.Delay(Timeout.Infinite, token);
            return "never";
        }, Cancel);

        Assert.True(seen.IsCancellationRequested, "the hanging attempt's token was cancelled");
        var hop = run.Decision.Hops[0];
        Assert.Equal(("slow", "timeout"), (hop.Target, hop.Outcome));
        Assert.InRange(hop.Elapsed, TimeSpan.FromSeconds(0.15), TimeSpan.FromSeconds(5));
        Assert.Contains("0.2 s", hop.Error);
    }

    [Fact]
    public async Task RepeatedFailuresOpenTheCircuitAndTheTargetIsSkipped()
    {
        var options = new TargetExecutorOptions { MinimumThroughput = 2, FailureRatio = 0.5, BreakDuration = TimeSpan.FromMinutes(5) };
        var executor = new TargetExecutor([Target("a"), Target("b")], options);
        var calls = 0;
        Task<string> Attempt(TargetDefinition t, CancellationToken _)
        {
            if (t.Name == "b") return Task.FromResult("b");
            calls++;
            return Fail("a", HopOutcomes.Error);
        }

        Assert.True(executor.IsAvailable("a"));
        for (var i = 0; i < 2; i++)
            using (var failing = await executor.ExecuteAsync(Decision("a", "b"), Attempt, Cancel))
                Assert.Equal("error", failing.Decision.Hops[0].Outcome);

        Assert.False(executor.IsAvailable("a"));
        Assert.Equal(CircuitState.Open, executor.CircuitOf("a"));
        // A decision made before the circuit opened still lists it: the executor skips it without calling it.
        using var run = await executor.ExecuteAsync(Decision("a", "b"), Attempt, Cancel);
        Assert.Equal(("a", "circuit_open"), (run.Decision.Hops[0].Target, run.Decision.Hops[0].Outcome));
        Assert.Equal(2, calls);
        Assert.True(executor.IsAvailable("b"));
    }

    [Fact]
    public async Task ContextLengthRefusalsDoNotOpenTheCircuit()
    {
        var executor = new TargetExecutor([Target("small"), Target("b")], new TargetExecutorOptions { MinimumThroughput = 2 });
        for (var i = 0; i < 4; i++)
            using (await executor.ExecuteAsync(Decision("small", "b"), (t, _) => t.Name == "small" ? Fail("small", HopOutcomes.ContextLength) : Task.FromResult("b"), Cancel))
            {
            }
        Assert.True(executor.IsAvailable("small"), "a prompt too long for a target says nothing about the target's health");
    }

    [Fact]
    public async Task AHumanTargetIsAskedAndItsAnswerCommits()
    {
        var executor = new TargetExecutor([Target("desk", TargetKind.Human), Target("b")]);
        var asked = new List<string>();
        using var run = await executor.ExecuteAsync(Decision("desk", "b"), (t, _) =>
        {
            asked.Add(t.Name);
            return Task.FromResult("answer of " + t.Name);
        }, Cancel);
        Assert.Equal(["desk"], asked);
        Assert.Equal(("desk", "answer of desk"), (run.Target.Name, run.Answer));
        Assert.Equal([("desk", "ok")], run.Decision.Hops.Select(h => (h.Target, h.Outcome)));
    }

    [Fact]
    public async Task AMissedSlaIsAnSlaTimeoutHopAndTheSlaFallbackAnswersNext()
    {
        // The fallback answers next even though the order had another target first, and it is not tried twice.
        var desk = Target("desk", TargetKind.Human, timeoutSeconds: 0.2) with { SlaFallback = "c" };
        var executor = new TargetExecutor([desk, Target("b"), Target("c")]);
        var asked = new List<string>();
        using var run = await executor.ExecuteAsync(Decision("desk", "b", "c"), async (t, token) =>
        {
            asked.Add(t.Name);
            if (t.Kind == TargetKind.Human) await Task.Delay(Timeout.Infinite, token); // nobody answers
            return "answer of " + t.Name;
        }, Cancel);
        Assert.Equal(["desk", "c"], asked);
        Assert.Equal([("desk", TargetExecutor.SlaTimeout), ("c", "ok")], run.Decision.Hops.Select(h => (h.Target, h.Outcome)));
        Assert.Contains("SLA of 0.2 s", run.Decision.Hops[0].Error);
        Assert.True(executor.IsAvailable("desk"), "a person who did not answer in time does not open a circuit");
    }

    [Fact]
    public async Task AClientThatDoesNotWaitGetsTheTicketWithTheQueuedHop()
    {
        var executor = new TargetExecutor([Target("desk", TargetKind.Human), Target("b")]);
        var handed = await Assert.ThrowsAsync<HandedToOperatorException>(() => executor.ExecuteAsync<string>(Decision("desk", "b"),
            (_, _) => throw new HandedToOperatorException("tk_1"), Cancel));
        Assert.Equal("tk_1", handed.TicketId);
        Assert.Equal([("desk", TargetExecutor.Queued)], handed.Decision!.Hops.Select(h => (h.Target, h.Outcome)));
    }

    [Fact]
    public async Task ARequestFaultIsThrownAtOnceWithoutFallingBack()
    {
        var log = new RouteLog();
        var executor = new TargetExecutor([Target("a"), Target("b")], log: log, classify: e => e is ArgumentException ? null : HopOutcomes.Error);
        var decision = Decision("a", "b");
        var asked = new List<string>();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => executor.ExecuteAsync<string>(decision, (t, _) =>
        {
            asked.Add(t.Name);
            throw new ArgumentException("temperature must be between 0 and 2");
        }, Cancel));

        Assert.Equal(["a"], asked);
        Assert.Contains("temperature", e.Message);
        Assert.Equal("error", Assert.Single(log.Find(decision.Id)!.Hops).Outcome);
    }

    [Fact]
    public async Task WhenEveryTargetFailsTheMessageListsEachHop()
    {
        var log = new RouteLog();
        var executor = new TargetExecutor([Target("a"), Target("b")], log: log);
        var decision = Decision("a", "b");

        var e = await Assert.ThrowsAsync<AllTargetsFailedException>(() =>
            executor.ExecuteAsync(decision, (t, _) => Fail(t.Name, t.Name == "a" ? HopOutcomes.Timeout : HopOutcomes.RateLimited), Cancel));

        Assert.Contains("a: timeout", e.Message);
        Assert.Contains("b: rate_limited", e.Message);
        Assert.Equal(2, e.Decision.Hops.Count);
        Assert.Equal(2, log.Find(decision.Id)!.Hops.Count);
    }

    [Fact]
    public async Task ACommittedAnswerThatGoesSilentIsStoppedAndRecordedAsTimeout()
    {
        var executor = new TargetExecutor([Target("a", timeoutSeconds: 0.3)]);
        using var run = await executor.ExecuteAsync(Decision("a"), (_, _) => Task.FromResult("first piece"), Cancel);

        var silence = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Delay(TimeSpan.FromSeconds(10), run.AnswerToken));
        Assert.True(run.WentSilent);
        var final = run.Finish(silence);
        Assert.Equal(("a", "timeout"), (final.Hops[^1].Target, final.Hops[^1].Outcome));
        Assert.Contains("went silent", final.Hops[^1].Error);
    }

    [Fact]
    public async Task TheCallerLeavingIsACancelledHopNotAFallback()
    {
        var executor = new TargetExecutor([Target("a"), Target("b")]);
        using var leave = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var asked = new List<string>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => executor.ExecuteAsync(Decision("a", "b"), async (t, token) =>
        {
            asked.Add(t.Name);
            await leave.CancelAsync();
            await Task.Delay(Timeout.Infinite, token);
            return "never";
        }, leave.Token));
        Assert.Equal(["a"], asked);
    }
}
