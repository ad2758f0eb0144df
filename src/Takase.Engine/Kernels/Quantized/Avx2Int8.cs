using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Takase.Engine.Kernels.Quantized;

/// <summary>The AVX2 building blocks ggml's x86 dot products are made of.</summary>
internal static class Avx2Int8
{
    /// <summary>Σ of each 4 adjacent signed byte products, as 8 ints. vpmaddubsw wants one unsigned operand:
    /// |x| and y·sign(x) have the same products (|x| ≤ 128 and |y| ≤ 127 keep the pair sums within 16 bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MulSumPairs(Vector256<sbyte> x, Vector256<sbyte> y)
    {
        var ax = Avx2.Sign(x, x).AsByte();
        var sy = Avx2.Sign(y, x);
        return SumPairs(Avx2.MultiplyAddAdjacent(ax, sy));
    }

    /// <summary>Adjacent 16-bit lanes added into 32-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> SumPairs(Vector256<short> x) => Avx2.MultiplyAddAdjacent(x, Vector256.Create((short)1));

    /// <summary>s + Σ of adjacent 16-bit products as 32-bit lanes: one vpdpwssd with AVX-VNNI, vpmaddwd and vpaddd
    /// without (the same integers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MultiplyAddPairs(Vector256<int> s, Vector256<short> x, Vector256<short> y) =>
        AvxVnni.IsSupported ? AvxVnni.MultiplyWideningAndAdd(s, x, y) : Avx2.Add(s, Avx2.MultiplyAddAdjacent(x, y));

    /// <summary>The sum of the 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalSum(Vector256<float> v)
    {
        var s = Sse.Add(v.GetLower(), v.GetUpper());
        s = Sse.Add(s, Sse.MoveHighToLow(s, s));
        s = Sse.AddScalar(s, Sse.Shuffle(s, s, 1));
        return s.ToScalar();
    }

    /// <summary>The 32 nibbles of 16 bytes as bytes: low nibbles in lanes 0–15, high nibbles in lanes 16–31
    /// (the element order of Q4_0/Q5_0 blocks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<byte> Nibbles(byte* p)
    {
        var b = Sse2.LoadVector128(p);
        var v = Vector256.Create(b, Sse2.ShiftRightLogical(b.AsUInt16(), 4).AsByte());
        return Avx2.And(v, Vector256.Create((byte)0x0F));
    }
}
