using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Quantized;

/// <summary>Q5_0 row · Q8 activation, integer reference: per block Σ(q−16)·a exactly, then d_w·d_a·Σ.</summary>
internal static unsafe class Q5_0DotScalar
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ5_0*)row;
        var y = (ActivationBlockQ8*)act;
        float sum = 0;
        for (int i = 0; i < blocks; i++)
        {
            uint qh = BinaryPrimitives.ReadUInt32LittleEndian(x[i].Qh);
            int isum = 0;
            for (int j = 0; j < 16; j++)
            {
                int q0 = (x[i].Qs[j] & 0xF) | (int)((qh >> j) & 1) << 4;
                int q1 = (x[i].Qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
                isum += (q0 - 16) * y[i].Qs[j] + (q1 - 16) * y[i].Qs[j + 16];
            }
            sum += HalfBits.ToFloat(x[i].D) * y[i].D * isum;
        }
        return sum;
    }
}

/// <summary>Q5_0 row · Q8 activation with AVX2. Bit k of qh becomes byte k (0xFF when set); a clear fifth bit means
/// q − 16 = nibble − 16, which is the nibble with its top four bits set (0xF0 | nibble as a signed byte).</summary>
internal static unsafe class Q5_0DotAvx2
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ5_0*)row;
        var y = (ActivationBlockQ8*)act;
        var acc = Vector256<float>.Zero;
        var spread = Vector256.Create((byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
        var bit = Vector256.Create((byte)1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
        var high = Vector256.Create((byte)0xF0);
        // Two blocks per step into two accumulators, so consecutive FMAs do not wait on each other.
        var acc2 = Vector256<float>.Zero;
        int i = 0;
        for (; i + 1 < blocks; i += 2)
        {
            var p0 = Avx.ConvertToVector256Single(Avx2Int8.MulSumPairs(Levels(&x[i], spread, bit, high), Avx.LoadVector256((sbyte*)&y[i].Qs)));
            var p1 = Avx.ConvertToVector256Single(Avx2Int8.MulSumPairs(Levels(&x[i + 1], spread, bit, high), Avx.LoadVector256((sbyte*)&y[i + 1].Qs)));
            acc = Fma.MultiplyAdd(Vector256.Create(HalfBits.ToFloat(x[i].D) * y[i].D), p0, acc);
            acc2 = Fma.MultiplyAdd(Vector256.Create(HalfBits.ToFloat(x[i + 1].D) * y[i + 1].D), p1, acc2);
        }
        for (; i < blocks; i++)
        {
            var p = Avx.ConvertToVector256Single(Avx2Int8.MulSumPairs(Levels(&x[i], spread, bit, high), Avx.LoadVector256((sbyte*)&y[i].Qs)));
            acc = Fma.MultiplyAdd(Vector256.Create(HalfBits.ToFloat(x[i].D) * y[i].D), p, acc);
        }
        acc = Avx.Add(acc, acc2);
        return Avx2Int8.HorizontalSum(acc);
    }

    /// <summary>The block's 32 levels minus 16 as signed bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> Levels(BlockQ5_0* b, Vector256<byte> spread, Vector256<byte> bit, Vector256<byte> high)
    {
        var qh = Avx2.Shuffle(Vector256.Create(*(uint*)&b->Qh).AsByte(), spread);
        var set = Avx2.CompareEqual(Avx2.And(qh, bit), bit);
        return Avx2.Or(Avx2Int8.Nibbles((byte*)&b->Qs), Avx2.AndNot(set, high)).AsSByte();
    }
}
