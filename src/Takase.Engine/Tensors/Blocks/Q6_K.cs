using System.Runtime.InteropServices;

namespace Takase.Engine.Tensors.Blocks;

/// <summary>
/// ggml's block_q6_K: 256 weights in 16 groups of 16, value = d·scale·(q − 32) with 6-bit levels q and signed
/// 8-bit group scales. Each half (128 elements) owns 64 bytes of Ql and 32 of Qh: for element e with r = e%128,
/// the low 4 bits are in Ql[64·(e/128) + r%64] (low nibble when r &lt; 64), the high 2 bits in
/// Qh[32·(e/128) + r%32] at bit 2·(r/32).
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ6_K
{
    public const int Elements = 256;
    public Bytes128 Ql;     // low 4 bits
    public Bytes64 Qh;      // high 2 bits
    public SBytes16 Scales; // signed 8-bit group scales
    public ushort D;        // f16 super-block scale

    public readonly int Level(int e)
    {
        int half = e / 128, r = e % 128;
        int low = (Ql[64 * half + r % 64] >> (r < 64 ? 0 : 4)) & 0xF;
        int high = (Qh[32 * half + r % 32] >> (2 * (r / 32))) & 3;
        return low | high << 4;
    }
}

/// <summary>Q6_K scalar reference kernels (dequantize_row_q6_K, quantize_row_q6_K_ref).</summary>
internal static class Q6_KScalar
{
    private const string Name = "q6_K";

    public static void Dequantize(ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        var blocks = BlockSpans.Read<BlockQ6_K>(bytes, dst.Length, BlockQ6_K.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = Fp16.ToFloat(b.D);
            var y = dst.Slice(i * BlockQ6_K.Elements, BlockQ6_K.Elements);
            for (int e = 0; e < BlockQ6_K.Elements; e++) y[e] = d * b.Scales[e / 16] * (b.Level(e) - 32);
        }
    }

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var blocks = BlockSpans.Read<BlockQ6_K>(row, x.Length, BlockQ6_K.Elements, Name);
        float sum = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            var xb = x.Slice(i * BlockQ6_K.Elements, BlockQ6_K.Elements);
            float scaled = 0;
            for (int g = 0; g < 16; g++)
            {
                float qx = 0;
                for (int e = 16 * g; e < 16 * g + 16; e++) qx += (b.Level(e) - 32) * xb[e];
                scaled += b.Scales[g] * qx;
            }
            sum += Fp16.ToFloat(b.D) * scaled;
        }
        return sum;
    }

    /// <summary>Fits a signed scale per group of 16 (make_qx_quants, x²-weighted), quantizes the 16 scales to
    /// signed 8 bits against the one of largest magnitude, then re-derives every level from the stored scales.</summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        var blocks = BlockSpans.Write<BlockQ6_K>(dst, src.Length, BlockQ6_K.Elements, Name);
        Span<sbyte> levels = stackalloc sbyte[BlockQ6_K.Elements];
        Span<float> scales = stackalloc float[16];
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = src.Slice(i * BlockQ6_K.Elements, BlockQ6_K.Elements);
            ref var b = ref blocks[i];
            float maxScale = 0, maxAbsScale = 0;
            for (int g = 0; g < 16; g++)
            {
                scales[g] = QuantFitting.MakeQxQuants(16, 32, x.Slice(16 * g, 16), levels.Slice(16 * g, 16), default);
                float absScale = MathF.Abs(scales[g]);
                if (absScale > maxAbsScale) { maxAbsScale = absScale; maxScale = scales[g]; }
            }

            if (maxAbsScale < QuantFitting.GroupMaxEps)
            {
                b = default; // an all-zero block: d = 0
                continue;
            }

            float iscale = -128f / maxScale;
            b.D = Fp16.FromFloat(1 / iscale);
            for (int g = 0; g < 16; g++) b.Scales[g] = (sbyte)Math.Min(127, QuantFitting.NearestInt(iscale * scales[g]));

            for (int g = 0; g < 16; g++)
            {
                float d = Fp16.ToFloat(b.D) * b.Scales[g];
                if (d == 0) continue; // keep the levels of the fit
                for (int ii = 0; ii < 16; ii++)
                    levels[16 * g + ii] = (sbyte)(Math.Clamp(QuantFitting.NearestInt(x[16 * g + ii] / d), -32, 31) + 32);
            }

            for (int half = 0; half < 2; half++)
            {
                int j = 128 * half;
                for (int l = 0; l < 32; l++)
                {
                    int q1 = levels[j + l], q2 = levels[j + l + 32], q3 = levels[j + l + 64], q4 = levels[j + l + 96];
                    b.Ql[64 * half + l] = (byte)((q1 & 0xF) | ((q3 & 0xF) << 4));
                    b.Ql[64 * half + l + 32] = (byte)((q2 & 0xF) | ((q4 & 0xF) << 4));
                    b.Qh[32 * half + l] = (byte)((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
                }
            }
        }
    }
}
