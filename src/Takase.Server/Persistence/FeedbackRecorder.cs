using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Takase.Server.Persistence;

/// <summary>How a feedback event was taken.</summary>
public enum FeedbackRecording
{
    /// <summary>It is in the database.</summary>
    Stored,
    /// <summary>The database is unreachable: it waits in memory and is written when the database is back.</summary>
    Queued,
}

/// <summary>
/// Records feedback without losing it to a database outage: an event that cannot be written waits in a bounded
/// in-memory queue, in order, and is written by <see cref="FlushAsync"/> (the server retries every
/// Takase:Database:RetryInterval). Only when the queue is full does recording fail, with
/// <see cref="StoreUnavailableException"/> (503, retry later). Events are stored once by id, so a write that
/// reached the database before the connection broke is not duplicated by its retry.
/// </summary>
public sealed class FeedbackRecorder(IFeedbackStore store, int capacity = 10_000, ILogger<FeedbackRecorder>? logger = null)
{
    private readonly PendingWrites<FeedbackEvent> _pending = new(capacity);
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>Events waiting for the database.</summary>
    public int Pending => _pending.Count;

    /// <summary>Stores the event, or queues it while the database is unreachable.</summary>
    /// <exception cref="ArgumentException">the event is invalid for its kind (nothing is queued).</exception>
    /// <exception cref="StoreUnavailableException">the database is unreachable and the queue is full.</exception>
    public async Task<FeedbackRecording> RecordAsync(FeedbackEvent feedback, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        feedback.Validate();
        if (_pending.Count == 0)
        {
            try
            {
                await store.AddFeedbackAsync(feedback, cancel);
                return FeedbackRecording.Stored;
            }
            catch (StoreUnavailableException e)
            {
                _logger.LogWarning("feedback {Id} waits in memory: {Reason}", feedback.Id, e.Message);
            }
        }
        // Behind earlier waiting events, so they reach the database in the order they were given.
        if (!_pending.TryEnqueue(feedback))
            throw new StoreUnavailableException($"the database is unavailable and {_pending.Capacity} feedback events already wait in memory; feedback {feedback.Id} was not recorded, retry later");
        if (_pending.Count > 1) await FlushAsync(cancel);
        return FeedbackRecording.Queued;
    }

    /// <summary>Writes the waiting events while the database takes them; returns how many were written.</summary>
    public async Task<int> FlushAsync(CancellationToken cancel = default)
    {
        if (_pending.Count == 0) return 0;
        var written = await _pending.FlushAsync((f, c) => store.AddFeedbackAsync(f, c),
            (f, e) => _logger.LogError(e, "feedback {Id} could not be stored and was dropped", f.Id), cancel);
        if (written > 0) _logger.LogInformation("wrote {Count} waiting feedback events; {Left} still wait", written, _pending.Count);
        return written;
    }
}
