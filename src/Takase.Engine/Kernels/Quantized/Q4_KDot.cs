using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Quantized;

/// <summary>Q4_K row · Q8_K activation, integer reference (ggml's generic vec_dot_q4_K_q8_K): per block
/// d_a·d·Σ_g sc_g·Σq·a − d_a·dmin·Σ_g m_g·Σa, where Σa per group comes from the activation's 16-element sums.</summary>
internal static unsafe class Q4_KDotScalar
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ4_K*)row;
        var y = (BlockQ8_K*)act;
        float sum = 0;
        for (int i = 0; i < blocks; i++)
        {
            int sumi = 0, summs = 0;
            for (int g = 0; g < 8; g++)
            {
                PackedScales.Get(x[i].Scales, g, out int sc, out int m);
                int qa = 0;
                for (int e = 32 * g; e < 32 * g + 32; e++) qa += x[i].Level(e) * y[i].Qs[e];
                sumi += sc * qa;
                summs += m * (y[i].BSums[2 * g] + y[i].BSums[2 * g + 1]);
            }
            sum += y[i].D * HalfBits.ToFloat(x[i].D) * sumi - y[i].D * HalfBits.ToFloat(x[i].DMin) * summs;
        }
        return sum;
    }
}

/// <summary>Q4_K row · Q8_K activation with AVX2 (ggml's approach): 64 weights per 32-byte load, nibbles times
/// activations by vpmaddubsw, the group scale applied by vpmaddwd, the mins against the activation sums.</summary>
internal static unsafe class Q4_KDotAvx2
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ4_K*)row;
        var y = (BlockQ8_K*)act;
        var acc = Vector256<float>.Zero;
        var accMin = Vector128<float>.Zero;
        var low = Vector256.Create((byte)0x0F);
        for (int i = 0; i < blocks; i++)
        {
            var sc = UnpackScales((byte*)&x[i].Scales);
            // Mins: Σ_g m_g·(bsum[2g] + bsum[2g+1]) as 4 int lanes.
            var bsums = Avx.LoadVector256((short*)&y[i].BSums);
            var groupSums = Ssse3.HorizontalAdd(bsums.GetLower(), bsums.GetUpper());
            var mins = Sse41.ConvertToVector128Int16(Sse2.UnpackHigh(sc.AsUInt64(), sc.AsUInt64()).AsByte());
            var minProd = Sse2.MultiplyAddAdjacent(mins, groupSums);
            accMin = Fma.MultiplyAdd(Vector128.Create(y[i].D * HalfBits.ToFloat(x[i].DMin)), Sse2.ConvertToVector128Single(minProd), accMin);

            // The 8 group scales as 16-bit lanes in both halves; each group's scale is spread over a register by one
            // byte shuffle (not a scalar load and broadcast per group).
            var scales = Sse41.ConvertToVector128Int16(sc);
            var scales2 = Vector256.Create(scales, scales).AsByte();
            byte* q4 = (byte*)&x[i].Qs;
            sbyte* q8 = (sbyte*)&y[i].Qs;
            // Two integer sums (low and high nibbles), added at the end: the same integers, and vpdpwssd's latency no
            // longer chains eight deep per super-block.
            var sumLow = Vector256<int>.Zero;
            var sumHigh = Vector256<int>.Zero;
            Quarter(q4, q8, Avx2.Shuffle(scales2, Spread(0)), Avx2.Shuffle(scales2, Spread(1)), low, ref sumLow, ref sumHigh);
            Quarter(q4 + 32, q8 + 64, Avx2.Shuffle(scales2, Spread(2)), Avx2.Shuffle(scales2, Spread(3)), low, ref sumLow, ref sumHigh);
            Quarter(q4 + 64, q8 + 128, Avx2.Shuffle(scales2, Spread(4)), Avx2.Shuffle(scales2, Spread(5)), low, ref sumLow, ref sumHigh);
            Quarter(q4 + 96, q8 + 192, Avx2.Shuffle(scales2, Spread(6)), Avx2.Shuffle(scales2, Spread(7)), low, ref sumLow, ref sumHigh);
            var sumi = Avx2.Add(sumLow, sumHigh);
            acc = Fma.MultiplyAdd(Vector256.Create(y[i].D * HalfBits.ToFloat(x[i].D)), Avx.ConvertToVector256Single(sumi), acc);
        }
        var m = Sse.Add(accMin, Sse.MoveHighToLow(accMin, accMin));
        m = Sse.AddScalar(m, Sse.Shuffle(m, m, 1));
        return Avx2Int8.HorizontalSum(acc) - m.ToScalar();
    }

    /// <summary>64 weights of one 32-byte load (low nibbles: group 2j, high: group 2j+1) times their activations, each
    /// group's pair sums times its scale, added to <paramref name="sumLow"/> and <paramref name="sumHigh"/> (vpdpwssd
    /// where the CPU has AVX-VNNI: the same integers as vpmaddwd and an add).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quarter(byte* q4, sbyte* q8, Vector256<byte> scaleLow, Vector256<byte> scaleHigh, Vector256<byte> low,
        ref Vector256<int> sumLow, ref Vector256<int> sumHigh)
    {
        var bits = Avx.LoadVector256(q4);
        var pl = Avx2.MultiplyAddAdjacent(Avx2.And(bits, low), Avx.LoadVector256(q8));
        var ph = Avx2.MultiplyAddAdjacent(Avx2.And(Avx2.ShiftRightLogical(bits.AsUInt16(), 4).AsByte(), low), Avx.LoadVector256(q8 + 32));
        sumLow = Avx2Int8.MultiplyAddPairs(sumLow, pl, scaleLow.AsInt16());
        sumHigh = Avx2Int8.MultiplyAddPairs(sumHigh, ph, scaleHigh.AsInt16());
    }

    /// <summary>The byte shuffle that copies 16-bit lane <paramref name="k"/> of each 128-bit half to all its lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Spread(int k) => Vector256.Create((ushort)(2 * k | (2 * k + 1) << 8)).AsByte();

    /// <summary>The 12 packed bytes → 8 scale bytes then 8 min bytes (ggml's kmask shuffle of get_scale_min_k4,
    /// for all groups at once), in a register: going through memory, the 8-byte loads that widen them spanned two
    /// 4-byte stores, which the CPU cannot forward — a stall per super-block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> UnpackScales(byte* packed)
    {
        const uint mask6 = 0x3F3F3F3F, mask4 = 0x0F0F0F0F, mask2 = 0x03030303;
        uint u0 = *(uint*)packed, u1 = *(uint*)(packed + 4), u2 = *(uint*)(packed + 8);
        return Vector128.Create(u0 & mask6, (u2 & mask4) | (((u0 >> 6) & mask2) << 4), u1 & mask6,
            ((u2 >> 4) & mask4) | (((u1 >> 6) & mask2) << 4)).AsByte();
    }
}
