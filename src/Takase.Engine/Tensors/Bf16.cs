namespace Takase.Engine.Tensors;

/// <summary>
/// bfloat16 conversions with ggml's exact results (ggml_compute_fp32_to_bf16): a bf16 is the top half of a float.
/// </summary>
public static class Bf16
{
    /// <summary>The bf16 bits nearest to <paramref name="value"/>: round to nearest, ties to even, subnormals kept;
    /// a NaN keeps its sign and top payload bits and is forced quiet (bit 6 set), as ggml does.</summary>
    public static ushort FromFloat(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000)
            return (ushort)((bits >> 16) | 64);
        // Adding 0x7FFF plus the lowest kept bit rounds the dropped half to nearest, ties to even;
        // a carry into the exponent is the correct rounding up (to infinity past the largest finite value).
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>The float that the bf16 <paramref name="bits"/> stand for (exact).</summary>
    public static float ToFloat(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
}
