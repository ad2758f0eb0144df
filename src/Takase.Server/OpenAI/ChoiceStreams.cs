using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Takase.Server.Inference;

namespace Takase.Server.OpenAI;

/// <summary>A piece of one choice: streamed text, or its end with the result.</summary>
internal sealed record ChoiceEvent(int Index, IAnswerSession Session, InferenceChunk? Chunk, InferenceResult? Result);

/// <summary>
/// The n answers of one request (n choices, or one per prompt of a text completion), generated at the same time —
/// the model's scheduler batches them — and read as one sequence of <see cref="ChoiceEvent"/>s in the order their
/// pieces arrive. The first failure of any answer ends the sequence with that error and stops the others;
/// disposing stops everything still running and releases the models.
/// </summary>
internal sealed class ChoiceStreams : IAsyncDisposable
{
    private readonly IReadOnlyList<IAnswerSession> _sessions;
    private readonly CancellationTokenSource _stop;
    private readonly Channel<(ChoiceEvent? Event, Exception? Error)> _events = Channel.CreateUnbounded<(ChoiceEvent?, Exception?)>();
    private readonly List<Task> _pumps = [];

    private ChoiceStreams(IReadOnlyList<IAnswerSession> sessions, CancellationTokenSource stop)
    {
        _sessions = sessions;
        _stop = stop;
    }

    /// <summary>The sessions, in choice order.</summary>
    public IReadOnlyList<IAnswerSession> Sessions => _sessions;

    /// <summary>
    /// Starts <paramref name="count"/> answers with <paramref name="start"/> (called with the choice index). If one
    /// cannot start (unknown model, prompt too long, queue full), those already started are stopped and the error thrown.
    /// </summary>
    public static async Task<ChoiceStreams> StartAsync(int count, Func<int, CancellationToken, Task<IAnswerSession>> start, CancellationToken cancel)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var sessions = new List<IAnswerSession>(count);
        try
        {
            for (var i = 0; i < count; i++) sessions.Add(await start(i, stop.Token));
        }
        catch
        {
            await stop.CancelAsync();
            foreach (var s in sessions) await s.DisposeAsync();
            stop.Dispose();
            throw;
        }
        return new ChoiceStreams(sessions, stop);
    }

    /// <summary>Every piece of every answer; each answer's last event carries its <see cref="InferenceResult"/>.</summary>
    public async IAsyncEnumerable<ChoiceEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancel = default)
    {
        for (var i = 0; i < _sessions.Count; i++) _pumps.Add(PumpAsync(i));
        var running = _sessions.Count;
        while (running > 0)
        {
            var (e, error) = await _events.Reader.ReadAsync(cancel);
            if (error is not null)
            {
                await _stop.CancelAsync();
                ExceptionDispatchInfo.Throw(error);
            }
            if (e!.Result is not null) running--;
            yield return e;
        }
    }

    private async Task PumpAsync(int index)
    {
        await Task.Yield();
        var session = _sessions[index];
        try
        {
            await foreach (var chunk in session.ReadAsync(_stop.Token))
                _events.Writer.TryWrite((new ChoiceEvent(index, session, chunk, null), null));
            var result = session.Result ?? throw new InvalidOperationException("the answer ended without a result");
            _events.Writer.TryWrite((new ChoiceEvent(index, session, null, result), null));
        }
        catch (Exception e)
        {
            _events.Writer.TryWrite((null, e));
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_pumps);
        foreach (var s in _sessions) await s.DisposeAsync();
        _stop.Dispose();
    }
}
