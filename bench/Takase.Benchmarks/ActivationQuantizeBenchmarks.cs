using BenchmarkDotNet.Attributes;
using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Benchmarks;

/// <summary>
/// Float activations → <see cref="ActivationBlockQ8"/> (32-element blocks for Q4_0/Q5_0/Q8_0 weights, AVX2), as every
/// such product does once per input column. Lengths: the hidden size (896, 2048) and the FFN size (4864, 8192) of the
/// two reference models. The data sits in L1, so GB/s is compute speed, not a memory limit.
/// Run: dotnet run -c Release --project bench/Takase.Benchmarks -- --filter '*ActivationQuantize*' --job short
/// </summary>
[Config(typeof(BandwidthConfig))]
public unsafe class ActivationQuantizeQ8Benchmarks : IBytesPerInvocation
{
    private float[] _x = [];
    private byte[] _q = [];

    [Params(896, 2048, 4864, 8192)]
    public int Length { get; set; }

    /// <summary>Floats read plus blocks written.</summary>
    public long BytesPerInvocation => 4L * Length + ActivationQ8.Q8Bytes(Length);

    [GlobalSetup]
    public void Setup()
    {
        _x = Enumerable.Range(0, Length).Select(i => MathF.Sin(i * 0.37f) * 3).ToArray();
        _q = new byte[ActivationQ8.Q8Bytes(Length)];
    }

    [Benchmark]
    public void QuantizeQ8()
    {
        fixed (float* x = _x)
        fixed (byte* q = _q)
            ActivationQ8.QuantizeQ8(x, Length, (ActivationBlockQ8*)q);
    }
}

/// <summary>
/// Float activations → ggml's block_q8_K (256 levels, a float scale and 16 sums) for K-quant weights, through the
/// scalar reference as ggml on x86 does. Lengths are the sizes K-quant matrices take as input (multiples of 256):
/// Llama's hidden 2048 and the FFN sizes 4864 and 8192. In L1: GB/s is compute speed.
/// Run: dotnet run -c Release --project bench/Takase.Benchmarks -- --filter '*ActivationQuantize*' --job short
/// </summary>
[Config(typeof(BandwidthConfig))]
public unsafe class ActivationQuantizeQ8KBenchmarks : IBytesPerInvocation
{
    private float[] _x = [];
    private byte[] _q = [];

    [Params(2048, 4864, 8192)]
    public int Length { get; set; }

    /// <summary>Floats read plus blocks written.</summary>
    public long BytesPerInvocation => 4L * Length + ActivationQ8.Q8KBytes(Length);

    [GlobalSetup]
    public void Setup()
    {
        _x = Enumerable.Range(0, Length).Select(i => MathF.Sin(i * 0.37f) * 3).ToArray();
        _q = new byte[ActivationQ8.Q8KBytes(Length)];
    }

    [Benchmark]
    public void QuantizeQ8K()
    {
        fixed (float* x = _x)
        fixed (byte* q = _q)
            ActivationQ8.QuantizeQ8K(x, Length, (BlockQ8_K*)q);
    }
}
