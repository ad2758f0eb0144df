using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Takase.Engine.Tensors;

namespace Takase.Engine.Kernels.Quantized;

/// <summary><see cref="HalfBits"/> for four halves at a time with Vector128: the same bit arithmetic (exponent and
/// mantissa moved into place, times 2^112; infinities and NaNs given the all-ones exponent, NaNs made quiet), so equal
/// to <see cref="Fp16.ToFloat"/> for every input.</summary>
internal static class HalfBitsVector128
{
    private const float Rebias = 5.192296858534828e33f; // 2^112

    /// <summary>Four halves (zero-extended to 32-bit lanes) → four floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToFloat(Vector128<uint> h)
    {
        var magnitude = (h & Vector128.Create(0x7FFFu)) << 13;
        var f = magnitude.AsSingle() * Vector128.Create(Rebias);
        var special = Vector128.GreaterThanOrEqual(magnitude, Vector128.Create(0x0F800000u));
        var nan = ~Vector128.Equals(magnitude & Vector128.Create(0x007FFFFFu), Vector128<uint>.Zero) & Vector128.Create(0x00400000u);
        var bits = Vector128.ConditionalSelect(special, magnitude | Vector128.Create(0x7F800000u) | nan, f.AsUInt32());
        return (bits | ((h & Vector128.Create(0x8000u)) << 16)).AsSingle();
    }
}

/// <summary>F16 row · float vector with Vector128: 8 halves per step widened by <see cref="HalfBitsVector128"/>, two
/// accumulators. Multiply-adds are fused where the hardware fuses them (NEON, x64 with FMA) and separate elsewhere, so
/// the result differs from the scalar twin (<see cref="Tensors.Blocks.F16Scalar"/>.Dot) only by float rounding.</summary>
internal static unsafe class F16DotVector128
{
    public static float Dot(byte* row, float* x, int n)
    {
        var h = (ushort*)row;
        var acc0 = Vector128<float>.Zero;
        var acc1 = Vector128<float>.Zero;
        int i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var bits = Vector128.Load(h + i);
            acc0 = Vector128.MultiplyAddEstimate(HalfBitsVector128.ToFloat(Vector128.WidenLower(bits)), Vector128.Load(x + i), acc0);
            acc1 = Vector128.MultiplyAddEstimate(HalfBitsVector128.ToFloat(Vector128.WidenUpper(bits)), Vector128.Load(x + i + 4), acc1);
        }
        float sum = Vector128.Sum(acc0 + acc1);
        for (; i < n; i++) sum += HalfBits.ToFloat(h[i]) * x[i];
        return sum;
    }
}
