using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Quantized;

/// <summary>Q4_0 row · Q8 activation, integer reference: per block Σ(q−8)·a exactly, then d_w·d_a·Σ.</summary>
internal static unsafe class Q4_0DotScalar
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ4_0*)row;
        var y = (ActivationBlockQ8*)act;
        float sum = 0;
        for (int i = 0; i < blocks; i++)
        {
            int isum = 0;
            for (int j = 0; j < 16; j++)
                isum += ((x[i].Qs[j] & 0xF) - 8) * y[i].Qs[j] + ((x[i].Qs[j] >> 4) - 8) * y[i].Qs[j + 16];
            sum += HalfBits.ToFloat(x[i].D) * y[i].D * isum;
        }
        return sum;
    }
}

/// <summary>Q4_0 row · Q8 activation with AVX2: nibbles → signed bytes, vpmaddubsw/vpmaddwd, one FMA per block.</summary>
internal static unsafe class Q4_0DotAvx2
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ4_0*)row;
        var y = (ActivationBlockQ8*)act;
        // Two blocks per step into two accumulators, so consecutive FMAs do not wait on each other.
        var acc = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var eight = Vector256.Create((byte)8);
        int i = 0;
        for (; i + 1 < blocks; i += 2)
        {
            var qx0 = Avx2.Subtract(Avx2Int8.Nibbles((byte*)&x[i].Qs), eight).AsSByte();
            var qx1 = Avx2.Subtract(Avx2Int8.Nibbles((byte*)&x[i + 1].Qs), eight).AsSByte();
            var p0 = Avx.ConvertToVector256Single(Avx2Int8.MulSumPairs(qx0, Avx.LoadVector256((sbyte*)&y[i].Qs)));
            var p1 = Avx.ConvertToVector256Single(Avx2Int8.MulSumPairs(qx1, Avx.LoadVector256((sbyte*)&y[i + 1].Qs)));
            acc = Fma.MultiplyAdd(Vector256.Create(HalfBits.ToFloat(x[i].D) * y[i].D), p0, acc);
            acc2 = Fma.MultiplyAdd(Vector256.Create(HalfBits.ToFloat(x[i + 1].D) * y[i + 1].D), p1, acc2);
        }
        for (; i < blocks; i++)
        {
            var qx = Avx2.Subtract(Avx2Int8.Nibbles((byte*)&x[i].Qs), eight).AsSByte();
            var p = Avx.ConvertToVector256Single(Avx2Int8.MulSumPairs(qx, Avx.LoadVector256((sbyte*)&y[i].Qs)));
            acc = Fma.MultiplyAdd(Vector256.Create(HalfBits.ToFloat(x[i].D) * y[i].D), p, acc);
        }
        acc = Avx.Add(acc, acc2);
        return Avx2Int8.HorizontalSum(acc);
    }
}
