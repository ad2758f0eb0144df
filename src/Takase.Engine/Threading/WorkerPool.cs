namespace Takase.Engine.Threading;

/// <summary>A piece of work split by index ranges: <see cref="Execute"/> handles [start, end) and may run on any thread
/// of the pool at the same time as other ranges.</summary>
public interface IRangeJob
{
    /// <summary>Does the work of indices [<paramref name="start"/>, <paramref name="end"/>).</summary>
    void Execute(int start, int end);
}

/// <summary>
/// N−1 persistent worker threads plus the calling thread, for the many short parallel steps of a forward pass
/// (a decode step runs ~170 matrix–vector products in ~15 ms). Parallel.For costs tens of microseconds and
/// allocations per call; here a step costs one counter increment to publish and a spin-then-block wait: workers spin
/// briefly for the next step (they usually come microseconds apart) and then sleep on a semaphore, so an idle pool
/// costs no CPU. Work is taken in chunks from a shared counter, so a thread slowed by another process simply takes
/// fewer chunks. <see cref="Run{TJob}"/> allocates nothing. Callers on several threads take turns (a lock); a job must
/// not call <see cref="Run{TJob}"/> itself.
/// </summary>
public sealed unsafe class WorkerPool : IDisposable
{
    // Spins before a worker sleeps: long enough to bridge the gap between two matrix products of one token.
    private const int SpinsBeforeSleep = 20_000;

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _wake;
    private readonly int[] _sleeping;
    private readonly object _runLock = new();

    // The published step: a generation number workers wait for, and what to run. The cursor holds the generation in its
    // high half and the next unclaimed index in its low half, so a worker that wakes late can never claim indices of a
    // later step with the job of an earlier one; the caller waits for claimed work to finish, not for sleeping workers.
    private int _generation;
    private long _cursor;
    private delegate*<void*, int, int, void> _invoke;
    private void* _job;
    private int _count;
    private int _chunk;
    private int _done;       // indices finished in the current step
    private volatile bool _disposed;
    private Exception? _failure;

    /// <summary>Threads that execute work, the caller included.</summary>
    public int ThreadCount { get; }

    /// <summary>Starts <paramref name="threads"/> − 1 background workers; the thread calling <see cref="Run{TJob}"/> is the last.</summary>
    public WorkerPool(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ThreadCount = threads;
        _threads = new Thread[threads - 1];
        _wake = new SemaphoreSlim[threads - 1];
        _sleeping = new int[threads - 1];
        for (var i = 0; i < _threads.Length; i++)
        {
            _wake[i] = new SemaphoreSlim(0);
            var index = i;
            _threads[i] = new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"takase-worker-{i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>
    /// Runs <paramref name="job"/> over [0, <paramref name="count"/>) in chunks of <paramref name="chunk"/> indices
    /// (the last may be shorter) on every thread of the pool, and returns when all are done. An exception in any chunk
    /// is rethrown here after the others finish.
    /// The caller takes chunks too and waits only for chunks other threads have claimed, never for a worker to wake.
    /// </summary>
    public void Run<TJob>(int count, int chunk, ref TJob job) where TJob : unmanaged, IRangeJob
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        if (count <= 0) return;
        if (_threads.Length == 0 || count <= chunk)
        {
            job.Execute(0, count);
            return;
        }
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_runLock)
        {
            fixed (TJob* p = &job)
            {
                _invoke = &Invoke<TJob>;
                _job = p;
                _count = count;
                _chunk = chunk;
                _done = 0;
                _failure = null;
                int generation = _generation + 1;
                Interlocked.Exchange(ref _cursor, (long)generation << 32);
                Interlocked.Increment(ref _generation); // full fence: publishes the fields above
                for (var i = 0; i < _threads.Length; i++)
                    if (Volatile.Read(ref _sleeping[i]) != 0) _wake[i].Release();

                Work(generation);
                var spin = new SpinWait();
                while (Volatile.Read(ref _done) != count) spin.SpinOnce(sleep1Threshold: -1);
                _job = null;
            }
            if (_failure is { } failure)
                throw new AggregateException("a parallel step of the worker pool failed", failure);
        }
    }

    private static void Invoke<TJob>(void* job, int start, int end) where TJob : unmanaged, IRangeJob =>
        ((TJob*)job)->Execute(start, end);

    /// <summary>Claims and runs chunks of step <paramref name="generation"/> until none are left.</summary>
    private void Work(int generation)
    {
        while (true)
        {
            long cursor = Volatile.Read(ref _cursor);
            int start = (int)cursor;
            if ((int)(cursor >> 32) != generation || start >= Volatile.Read(ref _count)) return;
            if (Interlocked.CompareExchange(ref _cursor, cursor + _chunk, cursor) != cursor) continue;
            // The chunk is ours, so the step cannot end before it is done: its fields stay valid until then.
            int end = Math.Min(start + _chunk, _count);
            try { _invoke(_job, start, end); }
            catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
            finally { Interlocked.Add(ref _done, end - start); }
        }
    }

    private void WorkerLoop(int index)
    {
        var seen = 0;
        while (true)
        {
            // Spin for the next step, then sleep; the Interlocked exchange and re-check close the race with Run,
            // which reads _sleeping after publishing a new generation.
            var spins = 0;
            while (Volatile.Read(ref _generation) == seen && !_disposed)
            {
                if (++spins < SpinsBeforeSleep) { Thread.SpinWait(8); continue; }
                Interlocked.Exchange(ref _sleeping[index], 1);
                if (Volatile.Read(ref _generation) == seen && !_disposed) _wake[index].Wait();
                Interlocked.Exchange(ref _sleeping[index], 0);
                spins = 0;
            }
            if (_disposed) return;
            seen = Volatile.Read(ref _generation);
            Work(seen);
        }
    }

    /// <summary>Stops the workers (they finish the step in progress first).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var w in _wake) w.Release();
        foreach (var t in _threads) t.Join();
        foreach (var w in _wake) w.Dispose();
    }

    /// <summary>The process-wide pool of <paramref name="threads"/> threads that the engine's kernels use. One per
    /// thread count (bench runs -t 1, 2, …); pools are never disposed, and an idle one sleeps at no CPU cost.</summary>
    public static WorkerPool Shared(int threads)
    {
        var pools = s_shared;
        if ((uint)threads < (uint)pools.Length && pools[threads] is { } pool) return pool;
        lock (SharedLock)
        {
            pools = s_shared;
            if (threads >= pools.Length) Array.Resize(ref pools, threads + 1);
            else pools = (WorkerPool?[])pools.Clone();
            pool = pools[threads] ??= new WorkerPool(threads);
            s_shared = pools;
            return pool;
        }
    }

    private static volatile WorkerPool?[] s_shared = [];
    private static readonly object SharedLock = new();
}
