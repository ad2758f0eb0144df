namespace Takase.Engine.Tensors;

/// <summary>
/// IEEE binary16 ("f16", ggml_half) conversions with ggml's exact results, so F16 tensors and the
/// scales inside quantized blocks are bit-identical to the ones llama.cpp writes.
/// </summary>
public static class Fp16
{
    /// <summary>The binary16 bits nearest to <paramref name="value"/>: round to nearest, ties to even;
    /// too large becomes ±infinity; every NaN becomes the quiet NaN 0x7E00 with its sign, as ggml does.</summary>
    public static ushort FromFloat(float value)
    {
        if (float.IsNaN(value))
            return (ushort)((BitConverter.SingleToUInt32Bits(value) >> 16 & 0x8000) | 0x7E00);
        // .NET's float → Half conversion is the correctly rounded IEEE one (ties to even), like F16C's vcvtps2ph.
        return BitConverter.HalfToUInt16Bits((Half)value);
    }

    /// <summary>The float that the binary16 <paramref name="bits"/> stand for (exact: every f16 is a float).</summary>
    public static float ToFloat(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);
}
