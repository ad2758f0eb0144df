using BenchmarkDotNet.Attributes;
using Takase.Engine.Kernels;
using Takase.Engine.Kernels.Batched;
using Takase.Engine.Tensors;

namespace Takase.Benchmarks;

/// <summary>
/// Matrix–matrix products through <see cref="TiledMatMul"/> (prompt processing and batched decode): the ffn_down weight
/// of Qwen2.5-0.5B (896 × 4864) or Llama-3.2-1B (2048 × 8192) times 4, 8 or 64 input columns, on the engine's 2
/// threads, the weights read from memory (<see cref="ColdWeights"/>). GB/s counts the weight bytes (read once per
/// product however many columns); Columns/s is tokens per second through this one matrix. Q4_0 and Q8_0 run the
/// 2-row × 4-column tiles; Q4_K and F16 have no tile kernel yet and go through the row dots column by column
/// (<see cref="WeightOps.MatMul"/>), which these figures show.
/// Run: dotnet run -c Release --project bench/Takase.Benchmarks -- --filter '*TiledMatMul*' --job short
/// </summary>
[Config(typeof(BandwidthConfig))]
public class TiledMatMulBenchmarks : IBytesPerInvocation, IColumnsPerInvocation
{
    private const int Threads = 2;
    private ColdWeights _weights = null!;
    private float[] _x = [];
    private float[] _y = [];

    [Params(GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.F16)]
    public GgmlType Type { get; set; }

    [Params(4, 8, 64)]
    public int Columns { get; set; }

    [Params(ModelShape.Qwen05B, ModelShape.Llama1B)]
    public ModelShape Shape { get; set; }

    /// <inheritdoc />
    public long BytesPerInvocation => ColdWeights.Bytes(Type, ModelDims.Of(Shape).Hidden, ModelDims.Of(Shape).Ffn);

    /// <inheritdoc />
    public int ColumnsPerInvocation => Columns;

    [GlobalSetup]
    public void Setup()
    {
        var dims = ModelDims.Of(Shape);
        _weights = new ColdWeights(Type, dims.Hidden, dims.Ffn);
        _x = Enumerable.Range(0, Columns * dims.Ffn).Select(i => MathF.Sin(i * 0.37f)).ToArray();
        _y = new float[Columns * dims.Hidden];
        WeightOps.Threads = Threads;
        Engine.Threading.WorkerPool.Shared(Threads);
    }

    [Benchmark]
    public void MatMul() => TiledMatMul.MatMul(_weights.Next(), _x, Columns, _y);
}
