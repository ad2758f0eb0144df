using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Quantized;

// K-quant rows · Q8_K activations with Vector512, 64 levels per vector. As in the Vector128 kernels, group sums are
// scaled in int lanes and each super-block's integers reduced exactly, then the scalar twin's float work follows in its
// order, so these equal Q4_KDotScalar and Q6_KDotScalar bit for bit. (No batched tile exists for K-quants, so no AVX2
// order has to be kept.)

/// <summary>Q4_K row · Q8_K activation with Vector512: one 64-element span (two groups) per step.</summary>
internal static unsafe class Q4_KDotVector512
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
            var sumi = Vector512<int>.Zero;
            for (int j = 0; j < 4; j++, q4 += 32, a += 64, scales >>= 16)
            {
                // The 32 bytes hold group 2j in their low nibbles and group 2j + 1 in their high ones: in element
                // order, the activations' order.
                var bits = Vector256.Load(q4);
                var q = Vector512.Create(bits & Vector256.Create((byte)0x0F), Vector256.ShiftRightLogical(bits, 4)).AsSByte();
                var av = Vector512.Load(a);
                // Lanes 0–7 hold group 2j's sums, 8–15 group 2j + 1's.
                var groupScales = Vector512.Create(Vector256.Create((int)(scales & 0xFF)), Vector256.Create((int)((scales >> 8) & 0xFF)));
                sumi += Int8Vector512.QuadSums(q, Vector512.Load(a)) * groupScales;
            }
            int summs = 0;
            for (int g = 0; g < 8; g++, mins >>= 8)
                summs += (int)(mins & 0xFF) * (y[i].BSums[2 * g] + y[i].BSums[2 * g + 1]);
            sum += y[i].D * HalfBits.ToFloat(x[i].D) * Vector512.Sum(sumi) - y[i].D * HalfBits.ToFloat(x[i].DMin) * summs;
        }
        return sum;
    }
}

/// <summary>Q6_K row · Q8_K activation with Vector512: each half's 128 levels rebuilt as two vectors of 64 (four
/// groups of 16 each, 4 int lanes per group after the quad sums), minus 32 as signed bytes, each group's Σ(q−32)·a
/// times its signed scale.</summary>
internal static unsafe class Q6_KDotVector512
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ6_K*)row;
        var y = (BlockQ8_K*)act;
        float sum = 0;
        for (int i = 0; i < blocks; i++)
        {
            var sumi = Vector512<int>.Zero;
            for (int half = 0; half < 2; half++)
            {
                var ql = Vector512.Load((byte*)&x[i].Ql + 64 * half);
                var qh = Vector256.Load((byte*)&x[i].Qh + 32 * half);
                sbyte* sc = (sbyte*)&x[i].Scales + 8 * half;
                sbyte* a = (sbyte*)&y[i].Qs + 128 * half;
                // Element r of the half: low 4 bits in byte r % 64 of Ql (high nibble from r = 64), high 2 bits in byte
                // r % 32 of Qh at bit 2·(r/32).
                var first = Levels(ql & Vector512.Create((byte)0x0F), Vector512.Create(qh, Vector256.ShiftRightLogical(qh, 2)));
                var second = Levels(Vector512.ShiftRightLogical(ql, 4), Vector512.Create(Vector256.ShiftRightLogical(qh, 4), Vector256.ShiftRightLogical(qh, 6)));
                sumi += Int8Vector512.QuadSums(first, Vector512.Load(a)) * GroupScales(sc);
                sumi += Int8Vector512.QuadSums(second, Vector512.Load(a + 64)) * GroupScales(sc + 4);
            }
            sum += HalfBits.ToFloat(x[i].D) * y[i].D * Vector512.Sum(sumi);
        }
        return sum;
    }

    /// <summary>64 levels minus 32: low | (high &amp; 3) &lt;&lt; 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<sbyte> Levels(Vector512<byte> low, Vector512<byte> high) =>
        (low | Vector512.ShiftLeft(high & Vector512.Create((byte)3), 4)).AsSByte() - Vector512.Create((sbyte)32);

    /// <summary>Four groups' signed scales, each over the 4 lanes that hold its sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> GroupScales(sbyte* sc) => Vector512.Create(
        Vector256.Create(Vector128.Create((int)sc[0]), Vector128.Create((int)sc[1])),
        Vector256.Create(Vector128.Create((int)sc[2]), Vector128.Create((int)sc[3])));
}
