using System.Runtime.InteropServices;

namespace Takase.Engine.Tensors.Blocks;

/// <summary>
/// ggml's block_q2_K: 256 weights in 16 groups of 16. Group g has a 4-bit scale and a 4-bit minimum in
/// Scales[g] (low, high nibble); element e = 2-bit level q: value = d·scale·q − dmin·min.
/// Levels: element e sits in Qs[32·(e/128) + e%32] at bit 2·((e%128)/32).
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ2_K
{
    public const int Elements = 256;
    public Bytes16 Scales;  // per group: scale (low nibble), min (high nibble)
    public Bytes64 Qs;      // 2-bit levels, four per byte
    public ushort D;        // f16 super-block scale for the scales
    public ushort DMin;     // f16 super-block scale for the mins

    public readonly int Level(int e) => (Qs[32 * (e / 128) + e % 32] >> (2 * (e % 128 / 32))) & 3;
}

/// <summary>Q2_K scalar reference kernels (dequantize_row_q2_K, quantize_row_q2_K_ref).</summary>
internal static class Q2_KScalar
{
    private const string Name = "q2_K";

    public static void Dequantize(ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        var blocks = BlockSpans.Read<BlockQ2_K>(bytes, dst.Length, BlockQ2_K.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = Fp16.ToFloat(b.D), dmin = Fp16.ToFloat(b.DMin);
            var y = dst.Slice(i * BlockQ2_K.Elements, BlockQ2_K.Elements);
            for (int g = 0; g < 16; g++)
            {
                float dl = d * (b.Scales[g] & 0xF), ml = dmin * (b.Scales[g] >> 4);
                for (int e = 16 * g; e < 16 * g + 16; e++) y[e] = dl * b.Level(e) - ml;
            }
        }
    }

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var blocks = BlockSpans.Read<BlockQ2_K>(row, x.Length, BlockQ2_K.Elements, Name);
        float sum = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            var xb = x.Slice(i * BlockQ2_K.Elements, BlockQ2_K.Elements);
            // Per group: Σ(dl·q − ml)·x = dl·Σq·x − ml·Σx
            float scaled = 0, mins = 0;
            for (int g = 0; g < 16; g++)
            {
                float qx = 0, xs = 0;
                for (int e = 16 * g; e < 16 * g + 16; e++)
                {
                    qx += b.Level(e) * xb[e];
                    xs += xb[e];
                }
                scaled += (b.Scales[g] & 0xF) * qx;
                mins += (b.Scales[g] >> 4) * xs;
            }
            sum += Fp16.ToFloat(b.D) * scaled - Fp16.ToFloat(b.DMin) * mins;
        }
        return sum;
    }

    /// <summary>Fits scale and min per group (make_qkx2_quants, |x|-weighted absolute error), quantizes the
    /// 16 scales and 16 mins to 4 bits against their maxima, then re-derives every level from the stored values.</summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        var blocks = BlockSpans.Write<BlockQ2_K>(dst, src.Length, BlockQ2_K.Elements, Name);
        Span<byte> levels = stackalloc byte[BlockQ2_K.Elements];
        Span<byte> scratch = stackalloc byte[16];
        Span<float> weights = stackalloc float[16];
        Span<float> mins = stackalloc float[16];
        Span<float> scales = stackalloc float[16];
        const float q4Scale = 15f;
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = src.Slice(i * BlockQ2_K.Elements, BlockQ2_K.Elements);
            ref var b = ref blocks[i];
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < 16; j++)
            {
                var xg = x.Slice(16 * j, 16);
                for (int l = 0; l < 16; l++) weights[l] = MathF.Abs(xg[l]);
                scales[j] = QuantFitting.MakeQkx2Quants(16, 3, xg, weights, levels.Slice(16 * j, 16), out mins[j], scratch, -0.5f, 0.1f, 15, true);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }

            if (maxScale > 0)
            {
                float iscale = q4Scale / maxScale;
                for (int j = 0; j < 16; j++) b.Scales[j] = (byte)QuantFitting.NearestInt(iscale * scales[j]);
                b.D = Fp16.FromFloat(maxScale / q4Scale);
            }
            else
            {
                for (int j = 0; j < 16; j++) b.Scales[j] = 0;
                b.D = Fp16.FromFloat(0f);
            }
            if (maxMin > 0)
            {
                float iscale = q4Scale / maxMin;
                for (int j = 0; j < 16; j++) b.Scales[j] |= (byte)(QuantFitting.NearestInt(iscale * mins[j]) << 4);
                b.DMin = Fp16.FromFloat(maxMin / q4Scale);
            }
            else
            {
                b.DMin = Fp16.FromFloat(0f);
            }

            for (int j = 0; j < 16; j++)
            {
                float d = Fp16.ToFloat(b.D) * (b.Scales[j] & 0xF);
                if (d == 0) continue; // keep the levels of the fit
                float dm = Fp16.ToFloat(b.DMin) * (b.Scales[j] >> 4);
                for (int ii = 0; ii < 16; ii++)
                    levels[16 * j + ii] = (byte)Math.Clamp(QuantFitting.NearestInt((x[16 * j + ii] + dm) / d), 0, 3);
            }

            for (int j = 0; j < BlockQ2_K.Elements; j += 128)
                for (int l = 0; l < 32; l++)
                    b.Qs[j / 4 + l] = (byte)(levels[j + l] | (levels[j + l + 32] << 2) | (levels[j + l + 64] << 4) | (levels[j + l + 96] << 6));
        }
    }
}
