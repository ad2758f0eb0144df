using BenchmarkDotNet.Attributes;
using Takase.Engine.Kernels;
using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Tensors;
using Takase.Engine.Threading;

namespace Takase.Benchmarks;

/// <summary>
/// One matrix–vector product of Qwen2.5-0.5B's ffn_up shape (4864 × 896) per weight type: the activation quantized once,
/// then every row through the type's row-dot kernel, on 1 thread and on the pool's 2. The GB/s column divides the
/// weight bytes by the time; compare it with <see cref="MemoryBandwidthBenchmarks"/> (decode is bandwidth-bound when the
/// matrix does not fit the caches: 4864 × 896 Q4_0 is 2.3 MiB, larger than Zen 3's 512 KiB L2 per core).
/// Run: dotnet run -c Release --project bench/Takase.Benchmarks -- --filter '*MatVec*' --job short
/// </summary>
[Config(typeof(BandwidthConfig))]
public unsafe class MatVecBenchmarks : IWeightBytes
{
    private const int Rows = 4864, Cols = 896;
    private byte[] _weights = [];
    private float[] _x = [];
    private float[] _y = [];

    [Params(GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.F16)]
    public GgmlType Type { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    /// <inheritdoc />
    public long WeightBytes => _weights.Length;

    [GlobalSetup]
    public void Setup()
    {
        // K-quants need rows of whole 256-blocks: 1024 columns for them (bytes are reported, so the shapes compare).
        int cols = Type is GgmlType.Q4_K or GgmlType.Q6_K ? 1024 : Cols;
        var info = TensorTypes.Get(Type);
        var rng = new Random(1);
        var row = new float[cols];
        _weights = new byte[info.RowBytes(cols) * Rows];
        var rowBytes = (int)info.RowBytes(cols);
        for (int r = 0; r < Rows; r++)
        {
            for (int i = 0; i < cols; i++) row[i] = (float)(rng.NextDouble() - 0.5) * 0.04f;
            info.RequireQuantize()(row, _weights.AsSpan(r * rowBytes, rowBytes));
        }
        _x = Enumerable.Range(0, cols).Select(i => MathF.Sin(i)).ToArray();
        _y = new float[Rows];
        WorkerPool.Shared(Threads); // start the threads outside the measurement
    }

    [Benchmark]
    public void MatVec()
    {
        fixed (byte* w = _weights)
        {
            var weight = new Engine.Models.Weight(w, TensorTypes.Get(Type), Rows, _x.Length, "bench");
            var saved = WeightOps.Threads;
            WeightOps.Threads = Threads;
            WeightOps.MatVec(weight, _x, _y);
            WeightOps.Threads = saved;
        }
    }
}

/// <summary>The machine's memory bandwidth as .NET sees it: copying 256 MiB (far beyond the caches), read + write.</summary>
[Config(typeof(BandwidthConfig))]
public class MemoryBandwidthBenchmarks : IWeightBytes
{
    private byte[] _src = [];
    private byte[] _dst = [];

    /// <inheritdoc />
    public long WeightBytes => 2L * _src.Length; // bytes read plus bytes written

    [GlobalSetup]
    public void Setup()
    {
        _src = new byte[256 << 20];
        _dst = new byte[256 << 20];
        new Random(1).NextBytes(_src);
    }

    [Benchmark]
    public void Copy() => _src.AsSpan().CopyTo(_dst);

    [Benchmark]
    public int Read()
    {
        // Sum of every 64th byte touches every cache line: a read-only stream like a weight pass.
        int sum = 0;
        var s = _src;
        for (int i = 0; i < s.Length; i += 64) sum += s[i];
        return sum;
    }
}
