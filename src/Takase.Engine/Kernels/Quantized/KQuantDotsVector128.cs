using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Quantized;

// K-quant rows · Q8_K activations with Vector128 (NEON on ARM64). Group sums are scaled in int lanes and each
// super-block's integers reduced exactly; the float work is the scalar twin's, in its order, so these kernels equal
// Q4_KDotScalar and Q6_KDotScalar bit for bit on every input.

/// <summary>Q4_K row · Q8_K activation with Vector128: per block d_a·d·Σ_g sc_g·Σq·a − d_a·dmin·Σ_g m_g·Σa.</summary>
internal static unsafe class Q4_KDotVector128
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ4_K*)row;
        var y = (BlockQ8_K*)act;
        float sum = 0;
        for (int i = 0; i < blocks; i++)
        {
            Int8Vector128.UnpackScalesMins((byte*)&x[i].Scales, out ulong scales, out ulong mins);
            byte* q4 = (byte*)&x[i].Qs;
            sbyte* a = (sbyte*)&y[i].Qs;
            var sumi = Vector128<int>.Zero;
            // Each 64 elements share 32 bytes: group 2j in the low nibbles, group 2j + 1 in the high ones.
            for (int j = 0; j < 4; j++, q4 += 32, a += 64, scales >>= 16)
            {
                var b0 = Vector128.Load(q4);
                var b1 = Vector128.Load(q4 + 16);
                var low = Int8Vector128.MulSum(Int8Vector128.Low(b0).AsSByte(), Vector128.Load(a))
                    + Int8Vector128.MulSum(Int8Vector128.Low(b1).AsSByte(), Vector128.Load(a + 16));
                var high = Int8Vector128.MulSum(Int8Vector128.High(b0).AsSByte(), Vector128.Load(a + 32))
                    + Int8Vector128.MulSum(Int8Vector128.High(b1).AsSByte(), Vector128.Load(a + 48));
                sumi += low * (int)(scales & 0xFF) + high * (int)((scales >> 8) & 0xFF);
            }
            int summs = 0;
            for (int g = 0; g < 8; g++, mins >>= 8)
                summs += (int)(mins & 0xFF) * (y[i].BSums[2 * g] + y[i].BSums[2 * g + 1]);
            sum += y[i].D * HalfBits.ToFloat(x[i].D) * Vector128.Sum(sumi) - y[i].D * HalfBits.ToFloat(x[i].DMin) * summs;
        }
        return sum;
    }
}

/// <summary>Q6_K row · Q8_K activation with Vector128: levels rebuilt 16 at a time (one group each), minus 32 as
/// signed bytes, Σ(q−32)·a per group times its signed scale.</summary>
internal static unsafe class Q6_KDotVector128
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ6_K*)row;
        var y = (BlockQ8_K*)act;
        float sum = 0;
        for (int i = 0; i < blocks; i++)
        {
            var sumi = Vector128<int>.Zero;
            for (int half = 0; half < 2; half++)
            {
                byte* ql = (byte*)&x[i].Ql + 64 * half;
                byte* qh = (byte*)&x[i].Qh + 32 * half;
                sbyte* sc = (sbyte*)&x[i].Scales + 8 * half;
                sbyte* a = (sbyte*)&y[i].Qs + 128 * half;
                var l0 = Vector128.Load(ql);
                var l1 = Vector128.Load(ql + 16);
                var l2 = Vector128.Load(ql + 32);
                var l3 = Vector128.Load(ql + 48);
                var h0 = Vector128.Load(qh);
                var h1 = Vector128.Load(qh + 16);
                // Element r of the half (group r/16): low 4 bits in byte r % 64 of Ql (high nibble from r = 64),
                // high 2 bits in byte r % 32 of Qh at bit 2·(r/32).
                sumi += Group(Int8Vector128.Low(l0), h0, a, sc[0]);
                sumi += Group(Int8Vector128.Low(l1), h1, a + 16, sc[1]);
                sumi += Group(Int8Vector128.Low(l2), Vector128.ShiftRightLogical(h0, 2), a + 32, sc[2]);
                sumi += Group(Int8Vector128.Low(l3), Vector128.ShiftRightLogical(h1, 2), a + 48, sc[3]);
                sumi += Group(Int8Vector128.High(l0), Vector128.ShiftRightLogical(h0, 4), a + 64, sc[4]);
                sumi += Group(Int8Vector128.High(l1), Vector128.ShiftRightLogical(h1, 4), a + 80, sc[5]);
                sumi += Group(Int8Vector128.High(l2), Vector128.ShiftRightLogical(h0, 6), a + 96, sc[6]);
                sumi += Group(Int8Vector128.High(l3), Vector128.ShiftRightLogical(h1, 6), a + 112, sc[7]);
            }
            sum += HalfBits.ToFloat(x[i].D) * y[i].D * Vector128.Sum(sumi);
        }
        return sum;
    }

    /// <summary>scale·Σ(q−32)·a over one group of 16, q = low | (high &amp; 3) &lt;&lt; 4, as 4 int lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Group(Vector128<byte> low, Vector128<byte> high, sbyte* a, sbyte scale)
    {
        var q = (low | Vector128.ShiftLeft(high & Vector128.Create((byte)3), 4)).AsSByte() - Vector128.Create((sbyte)32);
        return Int8Vector128.MulSum(q, Vector128.Load(a)) * scale;
    }
}
