namespace Takase.Engine.Tensors.Blocks;

/// <summary>BF16: bfloat16 values (the top half of a float); the scalar reference kernels.</summary>
internal static class BF16Scalar
{
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> dst)
    {
        var h = BlockSpans.Read<ushort>(blocks, dst.Length, 1, "bf16");
        for (int i = 0; i < h.Length; i++) dst[i] = Bf16.ToFloat(h[i]);
    }

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var h = BlockSpans.Read<ushort>(row, x.Length, 1, "bf16");
        float sum = 0;
        for (int i = 0; i < h.Length; i++) sum += Bf16.ToFloat(h[i]) * x[i];
        return sum;
    }

    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        var h = BlockSpans.Write<ushort>(dst, src.Length, 1, "bf16");
        for (int i = 0; i < src.Length; i++) h[i] = Bf16.FromFloat(src[i]);
    }
}
