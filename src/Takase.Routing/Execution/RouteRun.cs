using Takase.Routing.Decisions;
using Takase.Routing.Targets;

namespace Takase.Routing.Execution;

/// <summary>
/// An answer committed to one target: the server streams <see cref="Answer"/> to the client, calls <see cref="Pulse"/>
/// on every piece (a target that then goes silent for its timeout is stopped), and ends with <see cref="Finish"/>,
/// which records the last hop's real outcome. From here on a failure cannot fall back — the client has the target's
/// words — so it ends the answer with an error.
/// </summary>
public sealed class RouteRun<T> : IDisposable where T : class
{
    private readonly TargetExecutor _executor;
    private readonly CancellationTokenSource _answerCancel;
    private readonly long _started;
    private readonly CancellationToken _callerCancel;
    private readonly IDisposable? _inFlight;
    private RouteDecision? _finished;

    internal RouteRun(TargetExecutor executor, RouteDecision decision, TargetDefinition target, T answer,
        CancellationTokenSource answerCancel, long started, CancellationToken callerCancel, IDisposable? inFlight = null)
    {
        _inFlight = inFlight;
        _executor = executor;
        Decision = decision;
        Target = target;
        Answer = answer;
        _answerCancel = answerCancel;
        _started = started;
        _callerCancel = callerCancel;
        Pulse();
    }

    /// <summary>The decision with its hops so far (the last one "ok" until <see cref="Finish"/> says otherwise).</summary>
    public RouteDecision Decision { get; private set; }
    /// <summary>The target that answers (for a replicated target: the replica, with its one endpoint).</summary>
    public TargetDefinition Target { get; }
    /// <summary>The committed answer.</summary>
    public T Answer { get; }
    /// <summary>Stops the answer: the client left, or the target went silent for longer than its timeout.</summary>
    public CancellationToken AnswerToken => _answerCancel.Token;
    /// <summary>True when the answer was stopped because the target went silent (not because the client left).</summary>
    public bool WentSilent => _answerCancel.IsCancellationRequested && !_callerCancel.IsCancellationRequested;

    /// <summary>The target is still talking: the silence allowed restarts at its timeout.</summary>
    public void Pulse()
    {
        try
        {
            _answerCancel.CancelAfter(Target.Timeout);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Changes the decision before it is finished (the server adds what it learns from the answer itself, such as the
    /// norms' verdict on it); after <see cref="Finish"/> it does nothing.
    /// </summary>
    public void Amend(Func<RouteDecision, RouteDecision> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (_finished is null) Decision = change(Decision);
    }

    /// <summary>
    /// The answer ended — well (<paramref name="error"/> null) or not — so the last hop gets its outcome and elapsed
    /// time, and the decision is recorded. Returns the final decision; calling it again returns the same one.
    /// </summary>
    public RouteDecision Finish(Exception? error)
    {
        if (_finished is not null) return _finished;
        _inFlight?.Dispose();
        var outcome = error switch
        {
            null => HopOutcomes.Ok,
            OperationCanceledException when _callerCancel.IsCancellationRequested => HopOutcomes.Cancelled,
            OperationCanceledException when WentSilent => HopOutcomes.Timeout,
            OperationCanceledException => HopOutcomes.Cancelled,
            _ => _executor.OutcomeOf(error, Target) ?? HopOutcomes.Error,
        };
        var message = error switch
        {
            null => null,
            OperationCanceledException when _callerCancel.IsCancellationRequested => "the client went away",
            OperationCanceledException when WentSilent => $"'{Target.Name}' went silent for longer than its timeout of {Target.Timeout.TotalSeconds:0.###} s",
            OperationCanceledException => "the answer was abandoned before its end",
            _ => error.Message,
        };
        var hops = Decision.Hops.ToList();
        // A good end keeps the note of the commit (which replica answered after which failed).
        hops[^1] = new RouteHop(Target.Name, outcome, _executor.Time.GetElapsedTime(_started), error is null ? hops[^1].Error : message);
        _finished = Decision = Decision with { Hops = hops };
        _executor.Record(_finished);
        return _finished;
    }

    /// <summary>Releases the answer's token (the answer itself is the caller's to dispose).</summary>
    public void Dispose()
    {
        _inFlight?.Dispose();
        _answerCancel.Dispose();
    }
}
