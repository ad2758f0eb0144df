namespace Takase.Server.Persistence;

/// <summary>
/// Writes that could not reach the database, held in memory in arrival order until it is back. Bounded: when full,
/// <see cref="TryEnqueue"/> refuses and the caller reports the outage instead of growing without limit.
/// </summary>
/// <typeparam name="T">What is written (a feedback event, a route decision).</typeparam>
public sealed class PendingWrites<T>(int capacity)
{
    private readonly object _gate = new();
    private readonly Queue<T> _queue = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);

    /// <summary>The most writes held at once.</summary>
    public int Capacity { get; } = capacity >= 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the capacity cannot be negative");

    /// <summary>Writes waiting now.</summary>
    public int Count
    {
        get { lock (_gate) return _queue.Count; }
    }

    /// <summary>Holds a write; false when <see cref="Capacity"/> are already waiting.</summary>
    public bool TryEnqueue(T item)
    {
        lock (_gate)
        {
            if (_queue.Count >= Capacity) return false;
            _queue.Enqueue(item);
            return true;
        }
    }

    /// <summary>
    /// Writes the held items in order, each removed only once <paramref name="write"/> succeeded; stops at the first
    /// <see cref="StoreUnavailableException"/> (the rest wait for the next flush). An item that fails for another
    /// reason would block the queue for ever, so it is handed to <paramref name="dropped"/> and removed.
    /// </summary>
    /// <returns>How many were written.</returns>
    public async Task<int> FlushAsync(Func<T, CancellationToken, Task> write, Action<T, Exception> dropped, CancellationToken cancel = default)
    {
        await _flushing.WaitAsync(cancel);
        try
        {
            var written = 0;
            while (TryPeek(out var item))
            {
                try
                {
                    await write(item, cancel);
                    written++;
                }
                catch (StoreUnavailableException)
                {
                    return written;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    dropped(item, e);
                }
                lock (_gate) _queue.Dequeue();
            }
            return written;
        }
        finally
        {
            _flushing.Release();
        }
    }

    private bool TryPeek(out T item)
    {
        lock (_gate) return _queue.TryPeek(out item!);
    }
}
