using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Quantized;

/// <summary>Q8_0 row · Q8 activation, integer reference: per block Σq·a exactly, then d_w·d_a·Σ.</summary>
internal static unsafe class Q8_0DotScalar
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ8_0*)row;
        var y = (ActivationBlockQ8*)act;
        float sum = 0;
        for (int i = 0; i < blocks; i++)
        {
            int isum = 0;
            for (int j = 0; j < 32; j++) isum += x[i].Qs[j] * y[i].Qs[j];
            sum += HalfBits.ToFloat(x[i].D) * y[i].D * isum;
        }
        return sum;
    }
}

/// <summary>Q8_0 row · Q8 activation with AVX2 (vpmaddubsw on |w| and a·sign(w)).</summary>
internal static unsafe class Q8_0DotAvx2
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ8_0*)row;
        var y = (ActivationBlockQ8*)act;
        // Two blocks per step into two accumulators, so consecutive FMAs do not wait on each other.
        var acc = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        int i = 0;
        for (; i + 1 < blocks; i += 2)
        {
            var p0 = Avx.ConvertToVector256Single(Avx2Int8.MulSumPairs(Avx.LoadVector256((sbyte*)&x[i].Qs), Avx.LoadVector256((sbyte*)&y[i].Qs)));
            var p1 = Avx.ConvertToVector256Single(Avx2Int8.MulSumPairs(Avx.LoadVector256((sbyte*)&x[i + 1].Qs), Avx.LoadVector256((sbyte*)&y[i + 1].Qs)));
            acc = Fma.MultiplyAdd(Vector256.Create(HalfBits.ToFloat(x[i].D) * y[i].D), p0, acc);
            acc2 = Fma.MultiplyAdd(Vector256.Create(HalfBits.ToFloat(x[i + 1].D) * y[i + 1].D), p1, acc2);
        }
        for (; i < blocks; i++)
        {
            var p = Avx.ConvertToVector256Single(Avx2Int8.MulSumPairs(Avx.LoadVector256((sbyte*)&x[i].Qs), Avx.LoadVector256((sbyte*)&y[i].Qs)));
            acc = Fma.MultiplyAdd(Vector256.Create(HalfBits.ToFloat(x[i].D) * y[i].D), p, acc);
        }
        acc = Avx.Add(acc, acc2);
        return Avx2Int8.HorizontalSum(acc);
    }
}
