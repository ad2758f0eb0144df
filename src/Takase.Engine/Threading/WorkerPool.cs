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
/// fewer chunks. <see cref="Run{TJob}"/> allocates nothing. One caller at a time: a pool serves one forward pass.
/// </summary>
public sealed unsafe class WorkerPool : IDisposable
{
    // Spins before a worker sleeps: long enough to bridge the gap between two matrix products of one token.
    private const int SpinsBeforeSleep = 20_000;

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _wake;
    private readonly int[] _sleeping;
    private readonly object _runLock = new();

    // The published step: a generation number workers wait for, and what to run.
    private int _generation;
    private delegate*<void*, int, int, void> _invoke;
    private void* _job;
    private int _count;
    private int _chunk;
    private int _next;       // next chunk start, taken with Interlocked.Add
    private int _pending;    // workers still busy with the current step
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
                _next = 0;
                _failure = null;
                Volatile.Write(ref _pending, _threads.Length);
                Interlocked.Increment(ref _generation); // full fence: publishes the fields above
                for (var i = 0; i < _threads.Length; i++)
                    if (Volatile.Read(ref _sleeping[i]) != 0) _wake[i].Release();

                try { Work(); }
                catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }

                var spin = new SpinWait();
                while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
                _job = null;
            }
            if (_failure is { } failure)
                throw new AggregateException("a parallel step of the worker pool failed", failure);
        }
    }

    private static void Invoke<TJob>(void* job, int start, int end) where TJob : unmanaged, IRangeJob =>
        ((TJob*)job)->Execute(start, end);

    private void Work()
    {
        int count = _count, chunk = _chunk;
        var invoke = _invoke;
        var job = _job;
        while (true)
        {
            var start = Interlocked.Add(ref _next, chunk) - chunk;
            if (start >= count) return;
            invoke(job, start, Math.Min(start + chunk, count));
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
            try { Work(); }
            catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
            Interlocked.Decrement(ref _pending);
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
