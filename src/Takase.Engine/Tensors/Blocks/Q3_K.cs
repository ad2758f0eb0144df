using System.Runtime.InteropServices;

namespace Takase.Engine.Tensors.Blocks;

/// <summary>
/// ggml's block_q3_K: 256 weights in 16 groups of 16, value = d·(scale − 32)·(q − 4) with 3-bit levels q.
/// A level's low 2 bits sit where Q2_K puts them; its high bit is bit e/32 of HMask[e%32].
/// The 16 six-bit scales: low 4 bits in the nibbles of Scales[0..7] (group g in Scales[g%8], high nibble when
/// g ≥ 8); high 2 bits in Scales[8 + g%4] at bit 2·(g/4).
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ3_K
{
    public const int Elements = 256;
    public Bytes32 HMask;   // high bit of each level
    public Bytes64 Qs;      // low 2 bits of each level
    public Bytes12 Scales;  // 16 six-bit scales, packed
    public ushort D;        // f16 super-block scale

    /// <summary>The 3-bit level of element e, in [0, 7].</summary>
    public readonly int Level(int e)
    {
        int low = (Qs[32 * (e / 128) + e % 32] >> (2 * (e % 128 / 32))) & 3;
        int high = (HMask[e % 32] >> (e / 32)) & 1;
        return low | high << 2;
    }

    /// <summary>The six-bit scale of group g, in [0, 63] (stored offset by 32).</summary>
    public readonly int Scale(int g)
    {
        int low = g < 8 ? Scales[g] & 0xF : Scales[g - 8] >> 4;
        int high = (Scales[8 + g % 4] >> (2 * (g / 4))) & 3;
        return low | high << 4;
    }
}

/// <summary>Q3_K scalar reference kernels (dequantize_row_q3_K, quantize_row_q3_K_ref).</summary>
internal static class Q3_KScalar
{
    private const string Name = "q3_K";

    public static void Dequantize(ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        var blocks = BlockSpans.Read<BlockQ3_K>(bytes, dst.Length, BlockQ3_K.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = Fp16.ToFloat(b.D);
            var y = dst.Slice(i * BlockQ3_K.Elements, BlockQ3_K.Elements);
            for (int g = 0; g < 16; g++)
            {
                float dl = d * (b.Scale(g) - 32);
                for (int e = 16 * g; e < 16 * g + 16; e++) y[e] = dl * (b.Level(e) - 4);
            }
        }
    }

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var blocks = BlockSpans.Read<BlockQ3_K>(row, x.Length, BlockQ3_K.Elements, Name);
        float sum = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            var xb = x.Slice(i * BlockQ3_K.Elements, BlockQ3_K.Elements);
            float scaled = 0;
            for (int g = 0; g < 16; g++)
            {
                float qx = 0;
                for (int e = 16 * g; e < 16 * g + 16; e++) qx += (b.Level(e) - 4) * xb[e];
                scaled += (b.Scale(g) - 32) * qx;
            }
            sum += Fp16.ToFloat(b.D) * scaled;
        }
        return sum;
    }

    /// <summary>Fits a signed scale per group (make_q3_quants), quantizes the 16 scales to 6 bits against the one
    /// of largest magnitude, then re-derives every level from the stored scales.</summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        var blocks = BlockSpans.Write<BlockQ3_K>(dst, src.Length, BlockQ3_K.Elements, Name);
        Span<sbyte> levels = stackalloc sbyte[BlockQ3_K.Elements];
        Span<float> scales = stackalloc float[16];
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = src.Slice(i * BlockQ3_K.Elements, BlockQ3_K.Elements);
            ref var b = ref blocks[i];
            float maxScale = 0, amax = 0;
            for (int j = 0; j < 16; j++)
            {
                scales[j] = QuantFitting.MakeQ3Quants(16, 4, x.Slice(16 * j, 16), levels.Slice(16 * j, 16));
                float scale = MathF.Abs(scales[j]);
                if (scale > amax) { amax = scale; maxScale = scales[j]; }
            }

            b.Scales = default;
            if (maxScale != 0)
            {
                float iscale = -32f / maxScale;
                for (int j = 0; j < 16; j++)
                {
                    int l = Math.Clamp((int)(sbyte)QuantFitting.NearestInt(iscale * scales[j]), -32, 31) + 32;
                    if (j < 8) b.Scales[j] = (byte)(l & 0xF);
                    else b.Scales[j - 8] |= (byte)((l & 0xF) << 4);
                    b.Scales[j % 4 + 8] |= (byte)((l >> 4) << (2 * (j / 4)));
                }
                b.D = Fp16.FromFloat(1 / iscale);
            }
            else
            {
                b.D = Fp16.FromFloat(0f);
            }

            for (int j = 0; j < 16; j++)
            {
                float d = Fp16.ToFloat(b.D) * (b.Scale(j) - 32);
                if (d == 0) continue; // keep the levels of the fit
                for (int ii = 0; ii < 16; ii++)
                    levels[16 * j + ii] = (sbyte)(Math.Clamp(QuantFitting.NearestInt(x[16 * j + ii] / d), -4, 3) + 4);
            }

            b.HMask = default;
            for (int j = 0; j < BlockQ3_K.Elements; j++)
            {
                if (levels[j] > 3)
                {
                    b.HMask[j % 32] |= (byte)(1 << (j / 32));
                    levels[j] -= 4;
                }
            }
            for (int j = 0; j < BlockQ3_K.Elements; j += 128)
                for (int l = 0; l < 32; l++)
                    b.Qs[j / 4 + l] = (byte)((levels[j + l] & 3) | ((levels[j + l + 32] & 3) << 2) | ((levels[j + l + 64] & 3) << 4) | ((levels[j + l + 96] & 3) << 6));
        }
    }
}
