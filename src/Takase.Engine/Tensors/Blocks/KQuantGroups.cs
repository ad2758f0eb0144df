namespace Takase.Engine.Tensors.Blocks;

/// <summary>
/// The steps Q4_K and Q5_K quantization share (quantize_row_q4_K_ref / q5_K_ref differ only in level count,
/// search range and how levels are packed).
/// </summary>
internal static class KQuantGroups
{
    /// <summary>First pass: fit scale and min for each of the 8 groups of 32 with weights √(mean x²) + |x|.</summary>
    public static void FitScaleMin32(ReadOnlySpan<float> x, int nmax, float rmin, float rdelta, int nstep,
        Span<byte> levels, Span<float> scales, Span<float> mins, Span<float> weights, Span<byte> scratch,
        out float maxScale, out float maxMin)
    {
        maxScale = 0;
        maxMin = 0;
        for (int j = 0; j < 8; j++)
        {
            var xg = x.Slice(32 * j, 32);
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += xg[l] * xg[l];
            float avX = MathF.Sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + MathF.Abs(xg[l]);
            scales[j] = QuantFitting.MakeQkx2Quants(32, nmax, xg, weights, levels.Slice(32 * j, 32), out mins[j], scratch,
                rmin, rdelta, nstep, false);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
    }

    /// <summary>Quantizes the 8 scales and 8 mins to 6 bits, each set against its own maximum.</summary>
    public static void QuantizeScaleMins(ReadOnlySpan<float> scales, ReadOnlySpan<float> mins, float maxScale, float maxMin,
        Span<byte> ls, Span<byte> lm)
    {
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        for (int j = 0; j < 8; j++)
        {
            ls[j] = Math.Min((byte)63, (byte)QuantFitting.NearestInt(invScale * scales[j]));
            lm[j] = Math.Min((byte)63, (byte)QuantFitting.NearestInt(invMin * mins[j]));
        }
    }

    /// <summary>Second pass: each level again, now from the scale and min as stored (f16 × 6-bit), so rounding
    /// of the stored values is compensated. Groups whose stored scale is zero keep their first-pass levels.</summary>
    public static void Requantize32(ReadOnlySpan<float> x, ReadOnlySpan<byte> packedScales, float d, float dmin, int nmax, Span<byte> levels)
    {
        for (int j = 0; j < 8; j++)
        {
            PackedScales.Get(packedScales, j, out int sc, out int m);
            float dl = d * sc;
            if (dl == 0) continue;
            float dm = dmin * m;
            for (int ii = 0; ii < 32; ii++)
                levels[32 * j + ii] = (byte)Math.Clamp(QuantFitting.NearestInt((x[32 * j + ii] + dm) / dl), 0, nmax);
        }
    }
}
