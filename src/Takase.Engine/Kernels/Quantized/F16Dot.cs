using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Takase.Engine.Kernels.Quantized;

/// <summary>
/// F16 row · float vector with AVX2 + FMA; the scalar twin is <see cref="Tensors.Blocks.F16Scalar"/>.Dot.
/// .NET exposes no F16C (vcvtph2ps), so halves are widened by <see cref="HalfBits.ToFloatFinite"/>: a sign-extending
/// load and three operations per eight, while a running maximum of the magnitudes catches the infinities and NaNs that
/// conversion gets wrong (such a row is done again with the exact conversion, in the same order).
/// <para>The summation order is the contract <see cref="Batched.F16Gemm"/> keeps to give the same bits: 16 elements a
/// step, elements 16j..16j+7 into accumulator a and 16j+8..16j+15 into b (one FMA per lane and step), then
/// <see cref="Avx2Int8.HorizontalSum"/>(a + b), then the last n mod 16 elements one by one (multiply, then add).</para>
/// </summary>
internal static unsafe class F16DotAvx2
{
    public static float Dot(byte* row, float* x, int n)
    {
        var h = (short*)row;
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var max = Vector256<ushort>.Zero;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            max = HalfBits.MaxMagnitude(max, Avx.LoadVector256((ushort*)(h + i)));
            var w0 = HalfBits.ToFloatFinite(Avx2.ConvertToVector256Int32(h + i));
            var w1 = HalfBits.ToFloatFinite(Avx2.ConvertToVector256Int32(h + i + 8));
            acc0 = Fma.MultiplyAdd(w0, Avx.LoadVector256(x + i), acc0);
            acc1 = Fma.MultiplyAdd(w1, Avx.LoadVector256(x + i + 8), acc1);
        }
        if (HalfBits.HasSpecial(max)) return DotExact(row, x, n);
        return Finish(Avx.Add(acc0, acc1), (ushort*)row, x, i, n);
    }

    /// <summary>The same order with the exact conversion, for rows holding an infinity or NaN.</summary>
    internal static float DotExact(byte* row, float* x, int n)
    {
        var h = (ushort*)row;
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var w0 = HalfBits.ToFloat(Avx2.ConvertToVector256Int32(h + i).AsUInt32());
            var w1 = HalfBits.ToFloat(Avx2.ConvertToVector256Int32(h + i + 8).AsUInt32());
            acc0 = Fma.MultiplyAdd(w0, Avx.LoadVector256(x + i), acc0);
            acc1 = Fma.MultiplyAdd(w1, Avx.LoadVector256(x + i + 8), acc1);
        }
        return Finish(Avx.Add(acc0, acc1), h, x, i, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(Vector256<float> acc, ushort* h, float* x, int i, int n)
    {
        float sum = Avx2Int8.HorizontalSum(acc);
        for (; i < n; i++) sum += HalfBits.ToFloat(h[i]) * x[i];
        return sum;
    }
}
