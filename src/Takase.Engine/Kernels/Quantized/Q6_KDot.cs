using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Quantized;

/// <summary>Q6_K row · Q8_K activation, integer reference: per block d·d_a·Σ_g sc_g·Σ(q−32)·a.</summary>
internal static unsafe class Q6_KDotScalar
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ6_K*)row;
        var y = (BlockQ8_K*)act;
        float sum = 0;
        for (int i = 0; i < blocks; i++)
        {
            int sumi = 0;
            for (int g = 0; g < 16; g++)
            {
                int qa = 0;
                for (int e = 16 * g; e < 16 * g + 16; e++) qa += (x[i].Level(e) - 32) * y[i].Qs[e];
                sumi += x[i].Scales[g] * qa;
            }
            sum += HalfBits.ToFloat(x[i].D) * y[i].D * sumi;
        }
        return sum;
    }
}

/// <summary>Q6_K row · Q8_K activation with AVX2 (ggml's approach): levels 0–63 by vpmaddubsw, the −32 offset taken
/// off as 32·Σa (another vpmaddubsw), group scales by vpmaddwd.</summary>
internal static unsafe class Q6_KDotAvx2
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ6_K*)row;
        var y = (BlockQ8_K*)act;
        var acc = Vector256<float>.Zero;
        var low4 = Vector256.Create((byte)0x0F);
        var low2 = Vector256.Create((byte)0x03);
        var m32 = Vector256.Create((byte)32);
        for (int i = 0; i < blocks; i++)
        {
            byte* ql = (byte*)&x[i].Ql;
            byte* qh = (byte*)&x[i].Qh;
            sbyte* scales = (sbyte*)&x[i].Scales;
            sbyte* q8 = (sbyte*)&y[i].Qs;
            var sumi = Vector256<int>.Zero;
            var sumi2 = Vector256<int>.Zero;
            for (int half = 0; half < 2; half++)
            {
                var bits1 = Avx.LoadVector256(ql + 64 * half);
                var bits2 = Avx.LoadVector256(ql + 64 * half + 32);
                var bitsH = Avx.LoadVector256(qh + 32 * half).AsUInt16();
                // Element r of the half: low 4 bits from Ql (r < 64: low nibbles), high 2 bits from Qh at bit 2·(r/32).
                var h0 = Avx2.ShiftLeftLogical(Avx2.And(bitsH.AsByte(), low2).AsUInt16(), 4).AsByte();
                var h1 = Avx2.ShiftLeftLogical(Avx2.And(Avx2.ShiftRightLogical(bitsH, 2).AsByte(), low2).AsUInt16(), 4).AsByte();
                var h2 = Avx2.ShiftLeftLogical(Avx2.And(Avx2.ShiftRightLogical(bitsH, 4).AsByte(), low2).AsUInt16(), 4).AsByte();
                var h3 = Avx2.ShiftLeftLogical(Avx2.And(Avx2.ShiftRightLogical(bitsH, 6).AsByte(), low2).AsUInt16(), 4).AsByte();
                var q0 = Avx2.Or(Avx2.And(bits1, low4), h0);
                var q1 = Avx2.Or(Avx2.And(bits2, low4), h1);
                var q2 = Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(bits1.AsUInt16(), 4).AsByte(), low4), h2);
                var q3 = Avx2.Or(Avx2.And(Avx2.ShiftRightLogical(bits2.AsUInt16(), 4).AsByte(), low4), h3);
                sbyte* a = q8 + 128 * half;
                // The half's 8 scales as 16-bit lanes in both 128-bit halves; part k takes scale 2k in its low half
                // and 2k+1 in its high half by one byte shuffle.
                var s = Sse41.ConvertToVector128Int16(scales + 8 * half);
                var s2 = Vector256.Create(s, s).AsByte();
                // Two integer sums, added at the end (the same integers; vpdpwssd's latency chains half as deep).
                sumi = Part(q0, Avx.LoadVector256(a), Avx2.Shuffle(s2, Spread(0)), m32, sumi);
                sumi2 = Part(q1, Avx.LoadVector256(a + 32), Avx2.Shuffle(s2, Spread(1)), m32, sumi2);
                sumi = Part(q2, Avx.LoadVector256(a + 64), Avx2.Shuffle(s2, Spread(2)), m32, sumi);
                sumi2 = Part(q3, Avx.LoadVector256(a + 96), Avx2.Shuffle(s2, Spread(3)), m32, sumi2);
            }
            acc = Fma.MultiplyAdd(Vector256.Create(HalfBits.ToFloat(x[i].D) * y[i].D), Avx.ConvertToVector256Single(Avx2.Add(sumi, sumi2)), acc);
        }
        return Avx2Int8.HorizontalSum(acc);
    }

    /// <summary>sumi + 32 levels · 32 activations, the first 16 products scaled by the low half of
    /// <paramref name="scale"/>, the last 16 by its high half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Part(Vector256<byte> q, Vector256<sbyte> a, Vector256<byte> scale, Vector256<byte> m32, Vector256<int> sumi)
    {
        var p = Avx2.Subtract(Avx2.MultiplyAddAdjacent(q, a), Avx2.MultiplyAddAdjacent(m32, a));
        return Avx2Int8.MultiplyAddPairs(sumi, p, scale.AsInt16());
    }

    /// <summary>The byte shuffle that copies 16-bit lane 2k to every lane of the low 128-bit half and lane 2k+1 to every
    /// lane of the high half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Spread(int k) =>
        Vector256.Create(Vector128.Create((ushort)(4 * k | (4 * k + 1) << 8)), Vector128.Create((ushort)((4 * k + 2) | (4 * k + 3) << 8))).AsByte();
}
