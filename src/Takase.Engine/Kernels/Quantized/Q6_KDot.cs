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
                sbyte* s = scales + 8 * half;
                sumi = Avx2.Add(sumi, Part(q0, Avx.LoadVector256(a), s[0], s[1], m32));
                sumi = Avx2.Add(sumi, Part(q1, Avx.LoadVector256(a + 32), s[2], s[3], m32));
                sumi = Avx2.Add(sumi, Part(q2, Avx.LoadVector256(a + 64), s[4], s[5], m32));
                sumi = Avx2.Add(sumi, Part(q3, Avx.LoadVector256(a + 96), s[6], s[7], m32));
            }
            acc = Fma.MultiplyAdd(Vector256.Create(HalfBits.ToFloat(x[i].D) * y[i].D), Avx.ConvertToVector256Single(sumi), acc);
        }
        return Avx2Int8.HorizontalSum(acc);
    }

    /// <summary>32 levels · 32 activations, lanes 0–15 scaled by <paramref name="s0"/>, 16–31 by <paramref name="s1"/>.</summary>
    private static Vector256<int> Part(Vector256<byte> q, Vector256<sbyte> a, sbyte s0, sbyte s1, Vector256<byte> m32)
    {
        var p = Avx2.Subtract(Avx2.MultiplyAddAdjacent(q, a), Avx2.MultiplyAddAdjacent(m32, a));
        var scale = Vector256.Create(Vector128.Create((short)s0), Vector128.Create((short)s1));
        return Avx2.MultiplyAddAdjacent(p, scale);
    }
}
