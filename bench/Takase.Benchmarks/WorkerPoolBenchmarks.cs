using BenchmarkDotNet.Attributes;
using Takase.Engine.Threading;

namespace Takase.Benchmarks;

/// <summary>
/// What one parallel step of the <see cref="WorkerPool"/> costs with nothing to do: publishing an empty job of 2 or 64
/// chunks to the 2 threads and waiting for it. The workers spin between steps that come back to back (as here and in
/// a forward pass), so this is the warm overhead; a decode step of Qwen2.5-0.5B makes ~170 such steps.
/// Run: dotnet run -c Release --project bench/Takase.Benchmarks -- --filter '*WorkerPool*' --job short
/// </summary>
public class WorkerPoolBenchmarks
{
    private WorkerPool _pool = null!;

    [Params(2, 64)]
    public int Chunks { get; set; }

    [GlobalSetup]
    public void Setup() => _pool = WorkerPool.Shared(2);

    [Benchmark]
    public void EmptyStep()
    {
        var job = new EmptyJob();
        _pool.Run(Chunks, 1, ref job);
    }

    private struct EmptyJob : IRangeJob
    {
        public readonly void Execute(int start, int end) { }
    }
}
