using System.Runtime.CompilerServices;
using Takase.Routing.Decisions;
using Takase.Routing.Execution;
using Takase.Routing.Targets;
using Takase.Server.Inference;
using Takase.Server.Norms;

namespace Takase.Server.Routing;

/// <summary>
/// The answer to a request for a router profile, from the target the executor committed to. Reading it to its end (or
/// failing) records the last hop, so <see cref="Decision"/> is complete when the endpoint writes its final chunk with
/// the explanation. A target that goes silent mid-answer for longer than its timeout ends the answer with an error.
/// When the target was sent redacted text, the originals are put back into the answer as it is read.
/// </summary>
public sealed class RoutedSession : IAnswerSession
{
    private readonly RouteRun<PrimedSession> _run;
    private readonly AnswerRestoration? _restoration;
    private readonly NormsOutput? _norms;
    private InferenceResult? _restored;
    private bool _finished;

    internal RoutedSession(RouteRun<PrimedSession> run, AnswerRestoration? restoration = null, NormsOutput? norms = null)
    {
        _run = run;
        _restoration = restoration;
        _norms = norms;
        run.Answer.OnPiece = run.Pulse;
    }

    /// <summary>The decision with its hops (final once the answer has been read).</summary>
    public RouteDecision Decision => _run.Decision;
    /// <summary>The target that answers.</summary>
    public TargetDefinition Target => _run.Target;
    /// <summary>The decision on the wire.</summary>
    public RouteExplanation Explanation => RouteExplanation.From(Decision);

    /// <inheritdoc />
    public string ModelName => _run.Answer.ModelName;
    /// <inheritdoc />
    public int PromptTokens => _run.Answer.PromptTokens;
    /// <inheritdoc />
    public InferenceResult? Result => _norms is null ? Restored : _norms.Result(Restored);

    private InferenceResult? Restored => _restoration is null || _run.Answer.Result is not { } result
        ? _run.Answer.Result
        : _restored ??= _restoration.Restore(result);

    /// <inheritdoc />
    public IAsyncEnumerable<InferenceChunk> ReadAsync(CancellationToken cancel = default) => _norms is null
        ? ReadRestoredAsync(cancel)
        : JudgedAsync(cancel);

    /// <summary>The answer after the norms' output rules; their verdict goes into the decision before it is finished.</summary>
    private async IAsyncEnumerable<InferenceChunk> JudgedAsync([EnumeratorCancellation] CancellationToken cancel)
    {
        await using var pieces = _norms!.ApplyAsync(ReadRestoredAsync(cancel, finish: false), cancel).GetAsyncEnumerator(cancel);
        while (true)
        {
            try
            {
                if (!await pieces.MoveNextAsync()) break;
            }
            catch (Exception e)
            {
                Finish(e);
                throw;
            }
            yield return pieces.Current;
        }
        var verdict = _norms.Verdict;
        _run.Amend(d => d with { Norms = d.Norms?.With(verdict, "output"), AppliedRules = verdict.Rule is null ? d.AppliedRules : [.. d.AppliedRules, NormsRouting.RuleName(verdict.Rule)] });
        Finish(null);
    }

    private async IAsyncEnumerable<InferenceChunk> ReadRestoredAsync([EnumeratorCancellation] CancellationToken cancel, bool finish = true)
    {
        await using var pieces = _run.Answer.ReadAsync(cancel).GetAsyncEnumerator(cancel);
        while (true)
        {
            try
            {
                if (!await pieces.MoveNextAsync()) break;
            }
            catch (Exception e)
            {
                Finish(e);
                if (e is OperationCanceledException && _run.WentSilent)
                    throw new TargetFailedException(_run.Target.Name, HopOutcomes.Timeout, Decision.Hops[^1].Error ?? "the target went silent", e);
                throw;
            }
            if (_restoration is null) yield return pieces.Current;
            else if (_restoration.Restore(pieces.Current) is { } restored) yield return restored;
        }
        if (_restoration?.Flush() is { } rest) yield return rest;
        if (finish) Finish(null);
    }

    private void Finish(Exception? error)
    {
        if (_finished) return;
        _finished = true;
        _run.Finish(error);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // An answer nobody read to its end was abandoned (the client left, or the endpoint failed around it).
        if (!_finished) Finish(new OperationCanceledException("the answer was not read to its end"));
        await _run.Answer.DisposeAsync();
        _run.Dispose();
    }
}
