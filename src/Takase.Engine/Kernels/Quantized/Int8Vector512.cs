using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Takase.Engine.Kernels.Quantized;

/// <summary>
/// The integer building blocks of the portable 512-bit row dots, written with the cross-platform
/// <see cref="Vector512"/> API only (AVX-512 where accelerated, a software fallback elsewhere). Byte products are formed
/// in 16 bits on the even and odd bytes of each 16-bit lane, and neighbouring 16-bit lanes summed into 32 bits by
/// sign-extending each half in place, so no step moves data across lanes (no vpmaddubsw/vpmaddwd or VNNI exists in
/// the cross-platform API; these shifts stand in for them).
/// </summary>
internal static class Int8Vector512
{
    /// <summary>
    /// Two blocks of 32 byte pairs (q and a: block 0 in bytes 0–31, block 1 in 32–63) → 16 int lanes, lane k the
    /// Σ q·a of products 4k … 4k + 3. These are exactly the lanes AVX2's vpmaddubsw + vpmaddwd give each block, so a
    /// kernel that scales and accumulates them as <see cref="Q4_0DotAvx2"/> does gets its float result bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> QuadSums(Vector512<sbyte> q, Vector512<sbyte> a) => PairSums(MulPairs(q, a));

    /// <summary>
    /// 64 signed byte pairs → 32 int16 lanes, lane j = q[2j]·a[2j] + q[2j+1]·a[2j+1]. Each 16-bit lane already holds
    /// one even and one odd byte: the even one is sign-extended in place by shifting it up and back down, the odd one
    /// by shifting down, so no widening across lanes is needed. Exact while a lane's sum fits 16 bits
    /// (|q·a| ≤ 128·127, as with activations from <see cref="ActivationQ8"/>, or 6-bit levels against any byte).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<short> MulPairs(Vector512<sbyte> q, Vector512<sbyte> a)
    {
        var qw = q.AsInt16();
        var aw = a.AsInt16();
        var even = Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(qw, 8), 8) * Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(aw, 8), 8);
        var odd = Vector512.ShiftRightArithmetic(qw, 8) * Vector512.ShiftRightArithmetic(aw, 8);
        return even + odd;
    }

    /// <summary>32 int16 lanes → 16 int32 lanes, each the sum of an adjacent pair, exact for any values: the low half
    /// sign-extended by shifting it up and back down, the high half by shifting it down.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> PairSums(Vector512<short> p)
    {
        var w = p.AsInt32();
        return Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(w, 16), 16) + Vector512.ShiftRightArithmetic(w, 16);
    }

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
