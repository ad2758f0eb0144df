namespace Takase.Engine.Tensors.Blocks;

/// <summary>F32: plain little-endian floats; the scalar reference kernels.</summary>
internal static class F32Scalar
{
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> dst) =>
        BlockSpans.Read<float>(blocks, dst.Length, 1, "f32").CopyTo(dst);

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var w = BlockSpans.Read<float>(row, x.Length, 1, "f32");
        float sum = 0;
        for (int i = 0; i < w.Length; i++) sum += w[i] * x[i];
        return sum;
    }

    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst) =>
        src.CopyTo(BlockSpans.Write<float>(dst, src.Length, 1, "f32"));
}
