using System.Threading.Channels;
using Takase.Engine.Generation;

namespace Takase.Engine.Scheduling;

/// <summary>
/// A submitted request: read its <see cref="Events"/> until one carries <see cref="GenerationEvent.Done"/> or
/// <see cref="GenerationEvent.Error"/>. Cancelling the token given at submission stops it within one decode step.
/// </summary>
public sealed class GenerationJob
{
    private readonly Channel<GenerationEvent> _events = Channel.CreateUnbounded<GenerationEvent>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    internal GenerationJob(GenerationRequest request, CancellationToken cancel, long sequence)
    {
        Request = request;
        Cancel = cancel;
        Sequence = sequence;
    }

    /// <summary>What was asked.</summary>
    public GenerationRequest Request { get; }
    /// <summary>Events in order; the channel completes after the last one.</summary>
    public ChannelReader<GenerationEvent> Events => _events.Reader;
    /// <summary>Requests ahead of this one in the queue (0 once it runs).</summary>
    public int QueuePosition => Scheduler?.PositionOf(this) ?? 0;
    /// <summary>True once the job left the queue for a slot.</summary>
    public bool Started { get; internal set; }
    /// <summary>Seed the job's sampler uses, once started.</summary>
    public long? Seed { get; internal set; }

    internal CancellationToken Cancel { get; }
    internal long Sequence { get; }
    internal ModelScheduler? Scheduler { get; set; }
    internal GenerationRun? Run { get; set; }
    internal DateTime Enqueued { get; } = DateTime.UtcNow;

    internal void Publish(GenerationEvent e) => _events.Writer.TryWrite(e);

    internal void Fail(Exception error)
    {
        _events.Writer.TryWrite(new GenerationEvent { Error = error });
        _events.Writer.TryComplete();
    }

    internal void Complete() => _events.Writer.TryComplete();
}
