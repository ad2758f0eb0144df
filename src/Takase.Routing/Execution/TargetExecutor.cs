using System.Collections.Concurrent;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Takase.Routing.Decisions;
using Takase.Routing.Replicas;
using Takase.Routing.Targets;

namespace Takase.Routing.Execution;

/// <summary>
/// Starts an answer on one target, with a token that stops it (the attempt's timeout, the client leaving). It returns
/// once the answer is committed-ready — streamed: its first piece has arrived; whole: it is complete — because up to
/// then the executor may still move on to the next candidate, and after it the client has seen the target's words.
/// </summary>
public delegate Task<T> TargetAttempt<T>(TargetDefinition target, CancellationToken cancel);

/// <summary>How the executor guards each target.</summary>
public sealed record TargetExecutorOptions
{
    /// <summary>Share of failed attempts (0..1) within <see cref="SamplingDuration"/> that opens a target's circuit.</summary>
    public double FailureRatio { get; init; } = 0.5;
    /// <summary>Attempts within <see cref="SamplingDuration"/> before the ratio counts (at least 2).</summary>
    public int MinimumThroughput { get; init; } = 4;
    /// <summary>The window failures are counted in.</summary>
    public TimeSpan SamplingDuration { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>How long an open circuit keeps a target out before one trial request is let through.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks the values; the message names the setting.</summary>
    /// <exception cref="ArgumentException">a value is out of range.</exception>
    public void Validate(string prefix = "")
    {
        if (FailureRatio is <= 0 or > 1) throw new ArgumentException($"{prefix}FailureRatio must be in (0, 1], not {FailureRatio}");
        if (MinimumThroughput < 2) throw new ArgumentException($"{prefix}MinimumThroughput must be at least 2, not {MinimumThroughput}");
        if (SamplingDuration < TimeSpan.FromMilliseconds(500)) throw new ArgumentException($"{prefix}SamplingDuration must be at least 0.5 s, not {SamplingDuration}");
        if (BreakDuration < TimeSpan.FromMilliseconds(500)) throw new ArgumentException($"{prefix}BreakDuration must be at least 0.5 s, not {BreakDuration}");
    }
}

/// <summary>
/// Runs a <see cref="RouteDecision"/>: tries its <see cref="RouteDecision.Order"/> in turn, each attempt through the
/// target's own Polly pipeline (a circuit breaker around a timeout of <see cref="TargetDefinition.Timeout"/>), and
/// records a <see cref="RouteHop"/> per attempt. A failure before the answer is committed moves on to the next
/// candidate (retries happen only across candidates, never on the same one); an open circuit is skipped as
/// "circuit_open". A human target has no circuit (a busy desk is not a broken one): its attempt waits for an operator
/// up to the target's timeout, its SLA; when that passes the hop is "sla_timeout" and the target's
/// <see cref="TargetDefinition.SlaFallback"/> is tried next. The circuits' state is <see cref="IsAvailable"/>, which
/// the server passes to <see cref="IRouter.Decide"/>.
/// </summary>
public sealed class TargetExecutor
{
    /// <summary>Why a human target is skipped on a server without an operator queue.</summary>
    public const string OperatorQueueDisabled = "the operator queue is not enabled on this server";

    /// <summary>The hop outcome of a human target whose SLA passed with no operator answer (the ticket stays open).</summary>
    public const string SlaTimeout = "sla_timeout";

    /// <summary>The hop outcome of a human target whose client asked not to wait: the ticket is open and polled.</summary>
    public const string Queued = "queued";

    private readonly TargetExecutorOptions _options;
    private readonly IRouteLog? _log;
    private readonly TimeProvider _time;
    private readonly Func<Exception, string?>? _classify;
    private readonly ConcurrentDictionary<string, Guard> _guards = new(StringComparer.OrdinalIgnoreCase);
    private volatile IReadOnlyDictionary<string, TargetDefinition> _targets;

    /// <summary>
    /// An executor for <paramref name="targets"/>. <paramref name="classify"/> tells, for an exception a target runner
    /// throws that is not a <see cref="TargetFailedException"/>, the hop outcome when the target is at fault (then the
    /// next candidate is tried), or null when the request itself is at fault (then it is thrown to the caller at once,
    /// as another target would refuse it too). Without it, every failure moves on.
    /// </summary>
    public TargetExecutor(IEnumerable<TargetDefinition> targets, TargetExecutorOptions? options = null, IRouteLog? log = null,
        TimeProvider? time = null, Func<Exception, string?>? classify = null, ReplicaBalancer? replicas = null)
    {
        Replicas = replicas ?? new ReplicaBalancer(time: time);
        _options = options ?? new TargetExecutorOptions();
        _options.Validate();
        _log = log;
        _time = time ?? TimeProvider.System;
        _classify = classify;
        _targets = Index(targets);
    }

    /// <summary>The targets by name.</summary>
    public IReadOnlyDictionary<string, TargetDefinition> Targets => _targets;

    /// <summary>Chooses among the replicas of remote targets that have several endpoints.</summary>
    public ReplicaBalancer Replicas { get; }

    /// <summary>
    /// Replaces the target set (an admin change). Targets whose definition changed get a fresh pipeline (timeout and
    /// circuit); the others keep their circuit state.
    /// </summary>
    public void UpdateTargets(IEnumerable<TargetDefinition> targets)
    {
        var next = Index(targets);
        foreach (var (key, guard) in _guards)
            if (!next.TryGetValue(guard.Target.Name, out var t) || !SameDefinition(t, guard.Target)) _guards.TryRemove(key, out _);
        _targets = next;
    }

    /// <summary>False while the target's circuit is open (or the target is unknown); the router excludes it then.</summary>
    /// <remarks>A target with replicas is available while the circuit of any of its replicas is not open.</remarks>
    public bool IsAvailable(string target) =>
        _targets.TryGetValue(target, out var t) && UnitsOf(t).Any(u => CircuitOf(u) is not (CircuitState.Open or CircuitState.Isolated));

    /// <summary>The circuit state of a target (closed for one never tried; for replicas, the least open of theirs).</summary>
    public CircuitState CircuitOf(string target) =>
        _targets.TryGetValue(target, out var t) ? UnitsOf(t).Select(CircuitOf).MinBy(Openness) : CircuitState.Closed;

    // Closed lets everything through, half-open a trial, open and isolated nothing.
    private static int Openness(CircuitState state) => state switch
    {
        CircuitState.Closed => 0,
        CircuitState.HalfOpen => 1,
        CircuitState.Open => 2,
        _ => 3,
    };

    /// <summary>The circuit state of one replica of a target.</summary>
    public CircuitState CircuitOf(string target, Uri endpoint) =>
        _targets.TryGetValue(target, out var t) ? CircuitOf(ReplicaOf(t, endpoint)) : CircuitState.Closed;

    private CircuitState CircuitOf(TargetDefinition unit) => _guards.TryGetValue(GuardKey(unit), out var g) ? g.State.CircuitState : CircuitState.Closed;

    /// <summary>
    /// Tries the decision's targets in order until one commits an answer, and returns the run (the answer, the target,
    /// the decision so far). The caller streams the answer and then calls <see cref="RouteRun{T}.Finish"/>.
    /// </summary>
    /// <exception cref="AllTargetsFailedException">no target could answer; the message and the decision list every hop.</exception>
    /// <exception cref="OperationCanceledException">the caller cancelled.</exception>
    public async Task<RouteRun<T>> ExecuteAsync<T>(RouteDecision decision, TargetAttempt<T> attempt, CancellationToken cancel) where T : class
    {
        // Candidates the router left out because their circuit is open appear as hops too, so the explanation's hop
        // list says what became of every target this request could have used.
        var hops = decision.Candidates
            .Where(c => !c.Eligible && !decision.Order.Contains(c.Target, StringComparer.OrdinalIgnoreCase)
                && _targets.ContainsKey(c.Target) && !IsAvailable(c.Target) && CircuitOf(c.Target) is CircuitState.Open or CircuitState.Isolated)
            .Select(c => new RouteHop(c.Target, HopOutcomes.CircuitOpen, TimeSpan.Zero, $"the circuit of '{c.Target}' is open after repeated failures; not tried"))
            .ToList();
        _log?.Record(decision with { Hops = [.. hops] });
        // A human target that misses its SLA puts its fallback next, so the order can grow while it runs.
        var order = decision.Order.ToList();
        for (var i = 0; i < order.Count; i++)
        {
            var name = order[i];
            cancel.ThrowIfCancellationRequested();
            var started = _time.GetTimestamp();
            if (!_targets.TryGetValue(name, out var target))
            {
                hops.Add(new RouteHop(name, HopOutcomes.Error, TimeSpan.Zero, $"'{name}' is not a configured target"));
                continue;
            }
            if (target.Kind == TargetKind.Human)
            {
                if (await AskPersonAsync(decision, target, attempt, hops, cancel) is { } answered) return answered;
                if (hops[^1].Outcome == SlaTimeout && target.SlaFallback is { Length: > 0 } fallback)
                {
                    // The fallback answers now, even when it stood later in the order (or not in it at all).
                    var later = order.FindIndex(i + 1, t => string.Equals(t, fallback, StringComparison.OrdinalIgnoreCase));
                    if (later > i) order.RemoveAt(later);
                    order.Insert(i + 1, fallback);
                }
                continue;
            }
            if (await TryTargetAsync(decision, name, target, attempt, hops, started, cancel) is { } run) return run;
        }
        var failed = decision with { Hops = [.. hops] };
        _log?.Record(failed);
        var list = hops.Count == 0 ? "no target to try" : string.Join("; ", hops.Select(h => $"{h.Target}: {h.Outcome}{(h.Error is null ? "" : $" ({h.Error})")}"));
        throw new AllTargetsFailedException($"no target of router profile '{decision.Profile}' could answer: {list}", failed);
    }

    /// <summary>
    /// One attempt at a local or remote target, or — for a remote target with replicas — at its replicas in the
    /// balancer's order until one commits: each replica has its own circuit and timeout, a replica that fails is
    /// marked down and the next one is tried, and the hop names the replicas that failed. Returns the committed run,
    /// or null after adding the target's failed hop; throws what the request itself is at fault for.
    /// </summary>
    private async Task<RouteRun<T>?> TryTargetAsync<T>(RouteDecision decision, string name, TargetDefinition target, TargetAttempt<T> attempt,
        List<RouteHop> hops, long started, CancellationToken cancel) where T : class
    {
        var units = target.Kind == TargetKind.Remote && target.Replicas.Count > 0
            ? Replicas.Order(target).Select(e => ReplicaOf(target, e)).ToList()
            : [target];
        var failures = new List<string>();
        string? lastOutcome = null;
        foreach (var unit in units)
        {
            var replicated = units.Count > 1;
            var guard = GuardOf(unit);
            var answerCancel = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            var inFlight = replicated ? Replicas.Begin(unit.Endpoint!) : null;
            try
            {
                var answer = await guard.Pipeline.ExecuteAsync(async (state, token) =>
                {
                    // The pipeline's token ends with this execution (its source is pooled), so the answer lives on a
                    // token of its own; the pipeline's timeout reaches it only while the attempt is running.
                    using var link = token.Register(static s => ((CancellationTokenSource)s!).Cancel(), state);
                    return await attempt(unit, state.Token);
                }, answerCancel, cancel);
                if (replicated) Replicas.Succeeded(unit.Endpoint!);
                hops.Add(new RouteHop(name, HopOutcomes.Ok, _time.GetElapsedTime(started),
                    failures.Count == 0 ? null : $"answered by replica {unit.Endpoint} after {string.Join("; ", failures)}"));
                var committed = decision with { Hops = [.. hops] };
                _log?.Record(committed);
                return new RouteRun<T>(this, committed, unit, answer, answerCancel, started, cancel, inFlight);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                answerCancel.Dispose();
                inFlight?.Dispose();
                hops.Add(new RouteHop(name, HopOutcomes.Cancelled, _time.GetElapsedTime(started), "the client went away"));
                _log?.Record(decision with { Hops = [.. hops] });
                throw;
            }
            catch (Exception e)
            {
                answerCancel.Dispose();
                inFlight?.Dispose();
                var outcome = OutcomeOf(e, unit);
                if (outcome is null)
                {
                    // The request is at fault (another target would refuse it too): answer it as it is.
                    hops.Add(new RouteHop(name, HopOutcomes.Error, _time.GetElapsedTime(started), MessageOf(e, unit)));
                    _log?.Record(decision with { Hops = [.. hops] });
                    throw;
                }
                lastOutcome = outcome;
                if (!replicated)
                {
                    hops.Add(new RouteHop(name, outcome, _time.GetElapsedTime(started), MessageOf(e, unit)));
                    return null;
                }
                // Only the replica's own faults mark it down: a prompt too long for the model is too long for all.
                if (outcome is HopOutcomes.ContextLength or HopOutcomes.LowConfidence)
                {
                    hops.Add(new RouteHop(name, outcome, _time.GetElapsedTime(started), MessageOf(e, unit)));
                    return null;
                }
                if (outcome != HopOutcomes.CircuitOpen) Replicas.Failed(unit.Endpoint!, MessageOf(e, unit));
                failures.Add($"replica {unit.Endpoint}: {outcome} ({MessageOf(e, unit)})");
            }
        }
        hops.Add(new RouteHop(name, lastOutcome ?? HopOutcomes.Error, _time.GetElapsedTime(started),
            $"every replica failed: {string.Join("; ", failures)}"));
        return null;
    }

    /// <summary>
    /// One attempt at a human target: the attempt (which opens a ticket and waits for the operator's answer) runs on a
    /// token that the SLA cancels. Returns the committed run, or null after adding the hop of a miss (sla_timeout, or
    /// the failure) so the caller moves on. A client that asked not to wait ends the request (<see cref="HandedToOperatorException"/>).
    /// </summary>
    private async Task<RouteRun<T>?> AskPersonAsync<T>(RouteDecision decision, TargetDefinition target, TargetAttempt<T> attempt,
        List<RouteHop> hops, CancellationToken cancel) where T : class
    {
        var started = _time.GetTimestamp();
        var answerCancel = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        answerCancel.CancelAfter(target.Timeout);
        try
        {
            var answer = await attempt(target, answerCancel.Token);
            hops.Add(new RouteHop(target.Name, HopOutcomes.Ok, _time.GetElapsedTime(started)));
            var committed = decision with { Hops = [.. hops] };
            _log?.Record(committed);
            return new RouteRun<T>(this, committed, target, answer, answerCancel, started, cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            answerCancel.Dispose();
            hops.Add(new RouteHop(target.Name, HopOutcomes.Cancelled, _time.GetElapsedTime(started), "the client went away; the ticket stays open for the operator"));
            _log?.Record(decision with { Hops = [.. hops] });
            throw;
        }
        catch (OperationCanceledException) when (answerCancel.IsCancellationRequested)
        {
            answerCancel.Dispose();
            hops.Add(new RouteHop(target.Name, SlaTimeout, _time.GetElapsedTime(started),
                $"no operator answered within the SLA of {target.Timeout.TotalSeconds:0.###} s; the ticket stays open" +
                (target.SlaFallback is { Length: > 0 } f ? $"; '{f}' answers instead" : "")));
            _log?.Record(decision with { Hops = [.. hops] });
            return null;
        }
        catch (HandedToOperatorException e)
        {
            answerCancel.Dispose();
            hops.Add(new RouteHop(target.Name, Queued, _time.GetElapsedTime(started), $"ticket {e.TicketId} waits for an operator; the client polls it"));
            var queued = decision with { Hops = [.. hops] };
            _log?.Record(queued);
            throw new HandedToOperatorException(e.TicketId, queued);
        }
        catch (Exception e)
        {
            answerCancel.Dispose();
            var outcome = OutcomeOf(e, target);
            hops.Add(new RouteHop(target.Name, outcome ?? HopOutcomes.Error, _time.GetElapsedTime(started), MessageOf(e, target)));
            _log?.Record(decision with { Hops = [.. hops] });
            if (outcome is null) throw;
            return null;
        }
    }

    /// <summary>The hop outcome of a failure, or null when the request (not the target) is at fault.</summary>
    internal string? OutcomeOf(Exception e, TargetDefinition target) => e switch
    {
        TargetFailedException f => f.Outcome,
        TimeoutRejectedException => HopOutcomes.Timeout,
        BrokenCircuitException or IsolatedCircuitException => HopOutcomes.CircuitOpen,
        _ => _classify is null ? HopOutcomes.Error : _classify(e),
    };

    private static string MessageOf(Exception e, TargetDefinition target) => e switch
    {
        TimeoutRejectedException => $"no answer from '{target.Name}' within its timeout of {target.Timeout.TotalSeconds:0.###} s",
        BrokenCircuitException b => $"the circuit of '{target.Name}' is open after repeated failures" +
            (b.RetryAfter is { } r ? $"; it is tried again in {r.TotalSeconds:0.#} s" : ""),
        _ => e.Message,
    };

    private Guard GuardOf(TargetDefinition target)
    {
        var key = GuardKey(target);
        if (_guards.TryGetValue(key, out var guard) && guard.Target == target) return guard;
        return _guards.AddOrUpdate(key, _ => NewGuard(target), (_, old) => old.Target == target ? old : NewGuard(target));
    }

    /// <summary>Guards are per target, and per endpoint for remote ones, so each replica of a target has its own circuit.</summary>
    private static string GuardKey(TargetDefinition unit) =>
        unit.Kind == TargetKind.Remote && unit.Endpoint is { } e ? $"{unit.Name}|{e.AbsoluteUri}" : unit.Name;

    /// <summary>The units a target's circuits guard: itself, or each of its replicas.</summary>
    private static IEnumerable<TargetDefinition> UnitsOf(TargetDefinition target) =>
        target.Kind == TargetKind.Remote && target.Replicas.Count > 0 ? target.Endpoints().Select(e => ReplicaOf(target, e)) : [target];

    /// <summary>One replica of a replicated target: the same definition with one endpoint and no replicas.</summary>
    private static TargetDefinition ReplicaOf(TargetDefinition target, Uri endpoint) =>
        target with { Endpoint = endpoint, Replicas = NoReplicas };

    private static readonly IReadOnlyList<Uri> NoReplicas = [];

    /// <summary>Whether a guard made for <paramref name="guarded"/> still fits the target's current definition.</summary>
    private static bool SameDefinition(TargetDefinition current, TargetDefinition guarded) => UnitsOf(current).Any(u => u == guarded);

    private Guard NewGuard(TargetDefinition target)
    {
        var state = new CircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = _options.FailureRatio,
                MinimumThroughput = _options.MinimumThroughput,
                SamplingDuration = _options.SamplingDuration,
                BreakDuration = _options.BreakDuration,
                StateProvider = state,
                // Only the target's faults count: a prompt too long for it, or a cascade escalating past its answer,
                // says nothing about its health.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && e is not OperationCanceledException
                    && OutcomeOf(e, target) is { } o && o is not (HopOutcomes.ContextLength or HopOutcomes.LowConfidence)),
            })
            .AddTimeout(new TimeoutStrategyOptions { Timeout = target.Timeout })
            .Build();
        return new Guard(target, pipeline, state);
    }

    private static Dictionary<string, TargetDefinition> Index(IEnumerable<TargetDefinition> targets) =>
        targets.ToDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Records the final state of a run's decision.</summary>
    internal void Record(RouteDecision decision) => _log?.Record(decision);

    internal TimeProvider Time => _time;

    private sealed record Guard(TargetDefinition Target, ResiliencePipeline Pipeline, CircuitBreakerStateProvider State);
}

/// <summary>
/// A request handed to a person whose client asked not to wait: its ticket is open, and the client is answered with
/// the ticket id to poll. Thrown by a human target's attempt; the executor adds the "queued" hop and throws it on with
/// the decision.
/// </summary>
public sealed class HandedToOperatorException(string ticketId, RouteDecision? decision = null)
    : Exception($"the request waits for an operator in ticket {ticketId}")
{
    /// <summary>The ticket the client polls.</summary>
    public string TicketId => ticketId;
    /// <summary>The decision with its hops, once the executor has recorded it.</summary>
    public RouteDecision? Decision => decision;
}
