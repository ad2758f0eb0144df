using System.Runtime.CompilerServices;
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

/// <summary>
/// Q4_0 row · Q8 activation with AVX2. Decode is compute-bound here (a Q4_0 block is 18 bytes), so the per-block work
/// is kept small: the 4-bit levels go into vpmaddubsw unsigned as they are and 8·Σa (vpmaddubsw of 8 with the
/// activation) is subtracted in 16 bits — the integers Σ(q−8)·a without the sign trick's three extra operations — and
/// the blocks' f16 scales are converted eight at a time, times the activation scales, before the blocks are summed
/// (the scalar conversion cost as much as the dot itself). Even blocks go into one sum and odd ones into another,
/// added at the end: the float operations of <see cref="Batched.Tiles{TFormat,TWeights,TColumn}"/> with <see cref="Batched.Q4_0Tile"/> in the same order, so both agree bit for bit.
/// </summary>
internal static unsafe class Q4_0DotAvx2
{
    // Blocks whose scales are converted per pass (a 256-byte stack buffer, whatever the row width). Even, so a pass
    // starts on an even block and the even/odd sums stay the same as in one pass.
    private const int Chunk = 64;

    [SkipLocalsInit]
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ4_0*)row;
        var y = (ActivationBlockQ8*)act;
        float* scales = stackalloc float[Chunk];
        var acc = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        for (int start = 0; start < blocks; start += Chunk)
        {
            int n = Math.Min(Chunk, blocks - start);
            var xs = x + start;
            var ys = y + start;
            Scales(xs, ys, n, scales);
            int i = 0;
            // Two blocks per step into two sums, so consecutive FMAs do not wait on each other.
            for (; i + 1 < n; i += 2)
            {
                acc = Fma.MultiplyAdd(Vector256.Create(scales[i]), Block(&xs[i], &ys[i]), acc);
                acc2 = Fma.MultiplyAdd(Vector256.Create(scales[i + 1]), Block(&xs[i + 1], &ys[i + 1]), acc2);
            }
            if (i < n) acc = Fma.MultiplyAdd(Vector256.Create(scales[i]), Block(&xs[i], &ys[i]), acc);
        }
        return Avx2Int8.HorizontalSum(Avx.Add(acc, acc2));
    }

    /// <summary>Σ(q−8)·a of one block as 8 float lanes (each the sum of 4 adjacent products).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block(BlockQ4_0* x, ActivationBlockQ8* y)
    {
        var q = Avx2Int8.Nibbles((byte*)&x->Qs);
        var a = Avx.LoadVector256((sbyte*)&y->Qs);
        if (AvxVnni.IsSupported)
        {
            // vpdpbusd sums each 4 products straight into 32 bits: the same integers in three operations, not four.
            var offset = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Create((byte)8), a);
            return Avx.ConvertToVector256Single(Avx2.Subtract(AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, q, a), offset));
        }
        var products = Avx2.Subtract(Avx2.MultiplyAddAdjacent(q, a), Avx2.MultiplyAddAdjacent(Vector256.Create((byte)8), a));
        return Avx.ConvertToVector256Single(Avx2Int8.SumPairs(products));
    }

    /// <summary>scales[i] = d_w·d_a of block i: eight f16 weight scales at a time through the vector conversion.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scales(BlockQ4_0* x, ActivationBlockQ8* y, int n, float* scales)
    {
        int i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var bits = Vector256.Create((uint)x[i].D, x[i + 1].D, x[i + 2].D, x[i + 3].D, x[i + 4].D, x[i + 5].D, x[i + 6].D, x[i + 7].D);
            var dy = Vector256.Create(y[i].D, y[i + 1].D, y[i + 2].D, y[i + 3].D, y[i + 4].D, y[i + 5].D, y[i + 6].D, y[i + 7].D);
            (HalfBits.ToFloat(bits) * dy).Store(scales + i);
        }
        for (; i < n; i++) scales[i] = HalfBits.ToFloat(x[i].D) * y[i].D;
    }
}
