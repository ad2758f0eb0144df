namespace Takase.Engine.Tensors.Blocks;

/// <summary>
/// The 12-byte packing of eight 6-bit scales and eight 6-bit mins shared by Q4_K and Q5_K (ggml's get_scale_min_k4).
/// Groups 0–3: scale in the low 6 bits of byte j, min in the low 6 bits of byte j + 4.
/// Groups 4–7: low 4 bits in the nibbles of byte j + 4 (scale low, min high); the high 2 bits in the top
/// bits of byte j − 4 (scale) and byte j (min).
/// </summary>
internal static class PackedScales
{
    public static void Get(ReadOnlySpan<byte> packed, int j, out int scale, out int min)
    {
        if (j < 4)
        {
            scale = packed[j] & 63;
            min = packed[j + 4] & 63;
        }
        else
        {
            scale = (packed[j + 4] & 0xF) | ((packed[j - 4] >> 6) << 4);
            min = (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4);
        }
    }

    /// <summary>Packs all eight pairs (values in [0, 63]); groups 4–7 add bits to bytes groups 0–3 wrote.</summary>
    public static void Set(Span<byte> packed, ReadOnlySpan<byte> scales, ReadOnlySpan<byte> mins)
    {
        for (int j = 0; j < 8; j++)
        {
            if (j < 4)
            {
                packed[j] = scales[j];
                packed[j + 4] = mins[j];
            }
            else
            {
                packed[j + 4] = (byte)((scales[j] & 0xF) | ((mins[j] & 0xF) << 4));
                packed[j - 4] |= (byte)((scales[j] >> 4) << 6);
                packed[j] |= (byte)((mins[j] >> 4) << 6);
            }
        }
    }
}
