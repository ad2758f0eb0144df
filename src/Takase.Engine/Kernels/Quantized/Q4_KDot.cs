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
        byte* sc = stackalloc byte[16];
        for (int i = 0; i < blocks; i++)
        {
            UnpackScales((byte*)&x[i].Scales, (uint*)sc);
            // Mins: Σ_g m_g·(bsum[2g] + bsum[2g+1]) as 4 int lanes.
            var bsums = Avx.LoadVector256((short*)&y[i].BSums);
            var groupSums = Ssse3.HorizontalAdd(bsums.GetLower(), bsums.GetUpper());
            var mins = Sse41.ConvertToVector128Int16(sc + 8);
            var minProd = Sse2.MultiplyAddAdjacent(mins, groupSums);
            accMin = Fma.MultiplyAdd(Vector128.Create(y[i].D * HalfBits.ToFloat(x[i].DMin)), Sse2.ConvertToVector128Single(minProd), accMin);

            var sumi = Vector256<int>.Zero;
            byte* q4 = (byte*)&x[i].Qs;
            sbyte* q8 = (sbyte*)&y[i].Qs;
            for (int j = 0; j < 4; j++)
            {
                var bits = Avx.LoadVector256(q4 + 32 * j);
                var q4l = Avx2.And(bits, low);
                var q4h = Avx2.And(Avx2.ShiftRightLogical(bits.AsUInt16(), 4).AsByte(), low);
                var pl = Avx2.MultiplyAddAdjacent(q4l, Avx.LoadVector256(q8 + 64 * j));
                var ph = Avx2.MultiplyAddAdjacent(q4h, Avx.LoadVector256(q8 + 64 * j + 32));
                sumi = Avx2.Add(sumi, Avx2.MultiplyAddAdjacent(pl, Vector256.Create((short)sc[2 * j])));
                sumi = Avx2.Add(sumi, Avx2.MultiplyAddAdjacent(ph, Vector256.Create((short)sc[2 * j + 1])));
            }
            acc = Fma.MultiplyAdd(Vector256.Create(y[i].D * HalfBits.ToFloat(x[i].D)), Avx.ConvertToVector256Single(sumi), acc);
        }
        var m = Sse.Add(accMin, Sse.MoveHighToLow(accMin, accMin));
        m = Sse.AddScalar(m, Sse.Shuffle(m, m, 1));
        return Avx2Int8.HorizontalSum(acc) - m.ToScalar();
    }

    /// <summary>The 12 packed bytes → 8 scale bytes then 8 min bytes (ggml's kmask shuffle of get_scale_min_k4,
    /// for all groups at once).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UnpackScales(byte* packed, uint* dst)
    {
        const uint mask6 = 0x3F3F3F3F, mask4 = 0x0F0F0F0F, mask2 = 0x03030303;
        uint u0 = *(uint*)packed, u1 = *(uint*)(packed + 4), u2 = *(uint*)(packed + 8);
        dst[0] = u0 & mask6;
        dst[1] = (u2 & mask4) | (((u0 >> 6) & mask2) << 4);
        dst[2] = u1 & mask6;
        dst[3] = ((u2 >> 4) & mask4) | (((u1 >> 6) & mask2) << 4);
    }
}
