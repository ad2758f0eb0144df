using BenchmarkDotNet.Attributes;
using Takase.Engine.Kernels;
using Takase.Engine.Models;

namespace Takase.Benchmarks;

/// <summary>
/// RMSNorm (<see cref="VectorOps.RmsNorm"/>) of one token's hidden state: 896 (Qwen2.5-0.5B) or 2048 (Llama-3.2-1B)
/// floats, read x and the weight, write the result. Runs twice per layer per token; in L1.
/// Run: dotnet run -c Release --project bench/Takase.Benchmarks -- --filter '*RmsNorm*' --job short
/// </summary>
[Config(typeof(BandwidthConfig))]
public class RmsNormBenchmarks : IBytesPerInvocation
{
    private float[] _x = [], _weight = [], _dst = [];

    [Params(896, 2048)]
    public int Length { get; set; }

    /// <inheritdoc />
    public long BytesPerInvocation => 3L * sizeof(float) * Length;

    [GlobalSetup]
    public void Setup()
    {
        _x = Enumerable.Range(0, Length).Select(i => MathF.Sin(i * 0.37f)).ToArray();
        _weight = Enumerable.Range(0, Length).Select(i => 1f + 0.01f * MathF.Cos(i)).ToArray();
        _dst = new float[Length];
    }

    [Benchmark]
    public void RmsNorm() => VectorOps.RmsNorm(_x, _weight, 1e-6f, _dst);
}

/// <summary>
/// RoPE (<see cref="FloatOps.Rope"/>, the scalar kernel the forward pass runs) of one token's query heads: 14 × 64
/// (Qwen2.5-0.5B, NeoX pairs) or 32 × 64 (Llama-3.2-1B, adjacent pairs and llama3 frequency factors). It computes each
/// pair's angle (a Pow, a Cos and a Sin in double) per call, so it is compute-bound; GB/s counts the heads read and
/// written.
/// Run: dotnet run -c Release --project bench/Takase.Benchmarks -- --filter '*Rope*' --job short
/// </summary>
[Config(typeof(BandwidthConfig))]
public class RopeBenchmarks : IBytesPerInvocation
{
    private float[] _q = [], _freqFactors = [], _angles = [];
    private RopeTable? _table;

    [Params(ModelShape.Qwen05B, ModelShape.Llama1B)]
    public ModelShape Shape { get; set; }

    /// <inheritdoc />
    public long BytesPerInvocation => 2L * sizeof(float) * ModelDims.Of(Shape).QDim;

    [GlobalSetup]
    public void Setup()
    {
        var d = ModelDims.Of(Shape);
        _q = Enumerable.Range(0, d.QDim).Select(i => MathF.Sin(i * 0.37f)).ToArray();
        _freqFactors = Shape == ModelShape.Llama1B ? Enumerable.Range(0, d.HeadDim / 2).Select(i => 1f + i).ToArray() : [];
        _table = new RopeTable(d.HeadDim, d.HeadDim, Shape == ModelShape.Llama1B ? 5e5f : 1e6f, 1f,
            Shape == ModelShape.Llama1B ? RopeStyle.Normal : RopeStyle.NeoX, _freqFactors);
        _angles = new float[_table.AngleLength];
        _table.Angles(1000, _angles);
    }

    /// <summary>What the forward pass runs per layer now: the rotation with one position's angles made once per token
    /// (<see cref="RopeTable"/>).</summary>
    [Benchmark]
    public void RopeTableRotate() => _table!.Rotate(_q, ModelDims.Of(Shape).Heads, _angles);

    [Benchmark]
    public void Rope()
    {
        var d = ModelDims.Of(Shape);
        // Position 1000: the angles are computed, never looked up, so the position does not change the cost.
        var style = Shape == ModelShape.Llama1B ? RopeStyle.Normal : RopeStyle.NeoX;
        FloatOps.Rope(_q, d.Heads, d.HeadDim, d.HeadDim, 1000, Shape == ModelShape.Llama1B ? 5e5f : 1e6f, 1f, style, _freqFactors);
    }
}

/// <summary>
/// Softmax (<see cref="VectorOps.Softmax"/>) in place over attention scores of 128, 512 and 2048 positions, and over
/// Qwen's 151936 logits (sampling with temperature): read once and written once at the least, though the kernel passes
/// over the data five times (max, subtract, exp, sum, scale).
/// Run: dotnet run -c Release --project bench/Takase.Benchmarks -- --filter '*Softmax*' --job short
/// </summary>
[Config(typeof(BandwidthConfig))]
public class SoftmaxBenchmarks : IBytesPerInvocation
{
    private float[] _source = [], _x = [];

    [Params(128, 512, 2048, 151936)]
    public int Length { get; set; }

    /// <inheritdoc />
    public long BytesPerInvocation => 2L * sizeof(float) * Length;

    [GlobalSetup]
    public void Setup()
    {
        _source = Enumerable.Range(0, Length).Select(i => 4 * MathF.Sin(i * 0.37f)).ToArray();
        _x = new float[Length];
    }

    // The input is restored each time (softmax of a softmax would shrink towards uniform); the copy is counted in the
    // time, a small part of it (one more read and write).
    [Benchmark]
    public void Softmax()
    {
        _source.CopyTo(_x, 0);
        VectorOps.Softmax(_x);
    }
}

/// <summary>
/// SwiGLU (<see cref="VectorOps.SwiGlu"/>: gate = silu(gate) ⊙ up) over one token's FFN width, 4864 (Qwen2.5-0.5B) or
/// 8192 (Llama-3.2-1B): read gate and up, write gate. In L1/L2.
/// Run: dotnet run -c Release --project bench/Takase.Benchmarks -- --filter '*SwiGlu*' --job short
/// </summary>
[Config(typeof(BandwidthConfig))]
public class SwiGluBenchmarks : IBytesPerInvocation
{
    private float[] _source = [], _gate = [], _up = [];

    [Params(4864, 8192)]
    public int Length { get; set; }

    /// <inheritdoc />
    public long BytesPerInvocation => 3L * sizeof(float) * Length;

    [GlobalSetup]
    public void Setup()
    {
        _source = Enumerable.Range(0, Length).Select(i => 2 * MathF.Sin(i * 0.37f)).ToArray();
        _up = Enumerable.Range(0, Length).Select(i => 1f + 0.1f * MathF.Cos(i)).ToArray();
        _gate = new float[Length];
    }

    // The gate is restored each time (repeated in place it would shrink to denormals and zeros); the copy is counted in
    // the time, a small part of it.
    [Benchmark]
    public void SwiGlu()
    {
        _source.CopyTo(_gate, 0);
        VectorOps.SwiGlu(_gate, _up);
    }
}
