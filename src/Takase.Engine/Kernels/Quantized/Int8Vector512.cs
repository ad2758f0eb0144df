using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Takase.Engine.Kernels.Quantized;

/// <summary>
/// The integer building blocks of the portable 512-bit row dots, written with the cross-platform
/// <see cref="Vector512"/> API only (AVX-512 where accelerated, a software fallback elsewhere). Byte products are formed
/// in 16 bits after widening; neighbouring lanes are then summed in place by shifting one onto the other, which needs
/// no cross-lane shuffle.
/// </summary>
internal static class Int8Vector512
{
    /// <summary>
    /// Two blocks of 32 byte pairs (q and a: block 0 in bytes 0–31, block 1 in 32–63) → 16 int lanes, lane k the
    /// Σ q·a of products 4k … 4k + 3. These are exactly the lanes AVX2's vpmaddubsw + vpmaddwd give each block, so a
    /// kernel that scales and accumulates them as <see cref="Q4_0DotAvx2"/> does gets its float result bit for bit.
    /// Exact while two adjacent products fit 16 bits (|q·a| ≤ 128·127, as with activations from
    /// <see cref="ActivationQ8"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> QuadSums(Vector512<sbyte> q, Vector512<sbyte> a)
    {
        var first = Vector512.WidenLower(q) * Vector512.WidenLower(a);
        var second = Vector512.WidenUpper(q) * Vector512.WidenUpper(a);
        return Vector512.Narrow(PairSums(PairSums(first).AsInt64()), PairSums(PairSums(second).AsInt64()));
    }

    /// <summary>32 int16 lanes → 16 int32 lanes, each the sum of an adjacent pair: the low half shifted onto the high
    /// one and added (nothing carries into it), then shifted back down with its sign. Exact while a pair's sum fits
    /// 16 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> PairSums(Vector512<short> p)
    {
        var w = p.AsInt32();
        return Vector512.ShiftRightArithmetic(w + Vector512.ShiftLeft(w, 16), 16);
    }

    /// <summary>16 int32 lanes → 8 int64 lanes, each the sum of an adjacent pair (same trick, one size up).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<long> PairSums(Vector512<long> p) => Vector512.ShiftRightArithmetic(p + Vector512.ShiftLeft(p, 32), 32);

    /// <summary>
    /// Σ of the lanes in the order of the AVX2 kernels: lanes 0–7 hold the even blocks' sums and 8–15 the odd ones'
    /// (the AVX2 kernels' two accumulators), added lane by lane, then halved as <see cref="Avx2Int8.HorizontalSum"/>
    /// does: ((s0 + s2) + (s1 + s3)) of the four-lane sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumInAvx2Order(Vector512<float> acc)
    {
        var eight = acc.GetLower() + acc.GetUpper();
        var four = eight.GetLower() + eight.GetUpper();
        return (four.GetElement(0) + four.GetElement(2)) + (four.GetElement(1) + four.GetElement(3));
    }
}
