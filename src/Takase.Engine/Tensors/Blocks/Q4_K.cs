using System.Runtime.InteropServices;

namespace Takase.Engine.Tensors.Blocks;

/// <summary>
/// ggml's block_q4_K: 256 weights in 8 groups of 32, value = d·scale·q − dmin·min with 4-bit levels q and
/// 6-bit per-group scale and min (packed as in <see cref="PackedScales"/>).
/// Levels: each 64 elements share 32 bytes; element e sits in Qs[32·(e/64) + e%32], low nibble when e%64 &lt; 32.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ4_K
{
    public const int Elements = 256;
    public ushort D;        // f16 super-block scale for the scales
    public ushort DMin;     // f16 super-block scale for the mins
    public Bytes12 Scales;  // eight 6-bit scales and mins, packed
    public Bytes128 Qs;     // 4-bit levels

    public readonly int Level(int e) => (Qs[32 * (e / 64) + e % 32] >> (e % 64 < 32 ? 0 : 4)) & 0xF;
}

/// <summary>Q4_K scalar reference kernels (dequantize_row_q4_K, quantize_row_q4_K_ref).</summary>
internal static class Q4_KScalar
{
    private const string Name = "q4_K";

    public static void Dequantize(ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        var blocks = BlockSpans.Read<BlockQ4_K>(bytes, dst.Length, BlockQ4_K.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = Fp16.ToFloat(b.D), dmin = Fp16.ToFloat(b.DMin);
            var y = dst.Slice(i * BlockQ4_K.Elements, BlockQ4_K.Elements);
            for (int g = 0; g < 8; g++)
            {
                PackedScales.Get(b.Scales, g, out int sc, out int m);
                float dl = d * sc, ml = dmin * m;
                for (int e = 32 * g; e < 32 * g + 32; e++) y[e] = dl * b.Level(e) - ml;
            }
        }
    }

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var blocks = BlockSpans.Read<BlockQ4_K>(row, x.Length, BlockQ4_K.Elements, Name);
        float sum = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            var xb = x.Slice(i * BlockQ4_K.Elements, BlockQ4_K.Elements);
            // Per group: Σ(d·sc·q − dmin·m)·x = d·sc·Σq·x − dmin·m·Σx
            float scaled = 0, mins = 0;
            for (int g = 0; g < 8; g++)
            {
                PackedScales.Get(b.Scales, g, out int sc, out int m);
                float qx = 0, xs = 0;
                for (int e = 32 * g; e < 32 * g + 32; e++)
                {
                    qx += b.Level(e) * xb[e];
                    xs += xb[e];
                }
                scaled += sc * qx;
                mins += m * xs;
            }
            sum += Fp16.ToFloat(b.D) * scaled - Fp16.ToFloat(b.DMin) * mins;
        }
        return sum;
    }

    /// <summary>Fits scale and min per group of 32 (make_qkx2_quants, weights √(mean x²) + |x|), quantizes the
    /// 8 scales and 8 mins to 6 bits against their maxima, then re-derives every level from the stored values.</summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        var blocks = BlockSpans.Write<BlockQ4_K>(dst, src.Length, BlockQ4_K.Elements, Name);
        Span<byte> levels = stackalloc byte[BlockQ4_K.Elements];
        Span<byte> scratch = stackalloc byte[32];
        Span<float> weights = stackalloc float[32];
        Span<float> mins = stackalloc float[8];
        Span<float> scales = stackalloc float[8];
        Span<byte> ls = stackalloc byte[8];
        Span<byte> lm = stackalloc byte[8];
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = src.Slice(i * BlockQ4_K.Elements, BlockQ4_K.Elements);
            ref var b = ref blocks[i];
            KQuantGroups.FitScaleMin32(x, nmax: 15, rmin: -1f, rdelta: 0.1f, nstep: 20, levels, scales, mins, weights, scratch,
                out float maxScale, out float maxMin);
            KQuantGroups.QuantizeScaleMins(scales, mins, maxScale, maxMin, ls, lm);
            PackedScales.Set(b.Scales, ls, lm);
            b.D = Fp16.FromFloat(maxScale / 63f);
            b.DMin = Fp16.FromFloat(maxMin / 63f);
            KQuantGroups.Requantize32(x, b.Scales, Fp16.ToFloat(b.D), Fp16.ToFloat(b.DMin), nmax: 15, levels);

            for (int j = 0; j < BlockQ4_K.Elements; j += 64)
                for (int l = 0; l < 32; l++)
                    b.Qs[j / 2 + l] = (byte)(levels[j + l] | (levels[j + l + 32] << 4));
        }
    }
}
