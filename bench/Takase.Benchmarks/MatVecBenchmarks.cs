using BenchmarkDotNet.Attributes;
using Takase.Engine.Kernels;
using Takase.Engine.Tensors;

namespace Takase.Benchmarks;

/// <summary>
/// One matrix–vector product (a decode step's use of a weight) per weight type, in the ffn_down shape of Qwen2.5-0.5B
/// (896 × 4864: every type here fits its 32- and 256-element blocks) and of Llama-3.2-1B (2048 × 8192): the activation
/// quantized once, then every row through the type's row-dot kernel, on 1 thread and on the pool's 2. Weights come
/// from memory, not the caches (<see cref="ColdWeights"/>), so GB/s compares directly with
/// <see cref="MemoryBandwidthBenchmarks"/>.
/// Run: dotnet run -c Release --project bench/Takase.Benchmarks -- --filter '*MatVecBenchmarks*' --job short
/// </summary>
[Config(typeof(BandwidthConfig))]
public class MatVecBenchmarks : IBytesPerInvocation
{
    private ColdWeights _weights = null!;
    private float[] _x = [];
    private float[] _y = [];

    [Params(GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.F16)]
    public GgmlType Type { get; set; }

    [Params(ModelShape.Qwen05B, ModelShape.Llama1B)]
    public ModelShape Shape { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    /// <inheritdoc />
    public long BytesPerInvocation => ColdWeights.Bytes(Type, ModelDims.Of(Shape).Hidden, ModelDims.Of(Shape).Ffn);

    [GlobalSetup]
    public void Setup()
    {
        var dims = ModelDims.Of(Shape);
        _weights = new ColdWeights(Type, dims.Hidden, dims.Ffn);
        _x = Enumerable.Range(0, dims.Ffn).Select(i => MathF.Sin(i)).ToArray();
        _y = new float[dims.Hidden];
        WeightOps.Threads = Threads;
        Engine.Threading.WorkerPool.Shared(Threads); // start the threads outside the measurement
    }

    [Benchmark]
    public void MatVec() => WeightOps.MatVec(_weights.Next(), _x, _y);
}
