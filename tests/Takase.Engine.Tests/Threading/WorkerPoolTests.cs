using Takase.Engine.Threading;

namespace Takase.Engine.Tests.Threading;

public sealed unsafe class WorkerPoolTests
{
    private struct CountJob : IRangeJob
    {
        public int* Hits;
        public readonly void Execute(int start, int end)
        {
            for (int i = start; i < end; i++) Interlocked.Increment(ref Hits[i]);
        }
    }

    private struct FailingJob : IRangeJob
    {
        public readonly void Execute(int start, int end)
        {
            if (start <= 50 && 50 < end) throw new InvalidOperationException("index 50 fails");
        }
    }

    [Theory]
    [InlineData(1, 1000, 7)]
    [InlineData(2, 1000, 7)]
    [InlineData(3, 5, 1)]
    [InlineData(4, 4864, 64)]
    [InlineData(2, 3, 10)]
    public void EveryIndexRunsExactlyOnce(int threads, int count, int chunk)
    {
        using var pool = new WorkerPool(threads);
        var hits = new int[count];
        fixed (int* p = hits)
        {
            for (int step = 1; step <= 50; step++)
            {
                var job = new CountJob { Hits = p };
                pool.Run(count, chunk, ref job);
                Assert.All(hits, h => Assert.Equal(step, h));
            }
        }
    }

    [Fact]
    public void AWorkerExceptionReachesTheCallerAndThePoolKeepsWorking()
    {
        using var pool = new WorkerPool(2);
        var fail = new FailingJob();
        var e = Assert.Throws<AggregateException>(() => pool.Run(100, 1, ref fail));
        Assert.IsType<InvalidOperationException>(e.InnerException);
        var hits = new int[100];
        fixed (int* p = hits)
        {
            var job = new CountJob { Hits = p };
            pool.Run(100, 3, ref job);
        }
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void RunAllocatesNothing()
    {
        using var pool = new WorkerPool(2);
        var hits = new int[4096];
        fixed (int* p = hits)
        {
            var job = new CountJob { Hits = p };
            pool.Run(hits.Length, 16, ref job); // warm-up: JIT, first wake
            long fewest = long.MaxValue;
            int runs = 1;
            for (int attempt = 0; attempt < 3 && fewest > 0; attempt++)
            {
                // Measured inline: a lambda could not capture the fixed job.
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 200; i++) pool.Run(hits.Length, 16, ref job);
                fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
                runs += 200;
            }
            Assert.Equal(0, fewest);
            Assert.All(hits, h => Assert.Equal(runs, h));
        }
    }

    [Fact]
    public void WorkersThatFellAsleepWakeForTheNextStep()
    {
        using var pool = new WorkerPool(3);
        var hits = new int[300];
        fixed (int* p = hits)
        {
            var job = new CountJob { Hits = p };
            pool.Run(hits.Length, 1, ref job);
            Thread.Sleep(200); // long past the spin phase: the workers block on their semaphores
            pool.Run(hits.Length, 1, ref job);
        }
        Assert.All(hits, h => Assert.Equal(2, h));
    }
}
