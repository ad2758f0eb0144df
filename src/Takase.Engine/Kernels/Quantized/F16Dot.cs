using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Takase.Engine.Kernels.Quantized;

/// <summary>F16 row · float vector with AVX2 + FMA: 16 halves per step widened by <see cref="HalfBits"/>, two
/// accumulators; the scalar twin is <see cref="Tensors.Blocks.F16Scalar"/>.Dot.</summary>
internal static unsafe class F16DotAvx2
{
    public static float Dot(byte* row, float* x, int n)
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
        float sum = Avx2Int8.HorizontalSum(Avx.Add(acc0, acc1));
        for (; i < n; i++) sum += HalfBits.ToFloat(h[i]) * x[i];
        return sum;
    }
}
