namespace Takase.Engine.Tensors.Blocks;

/// <summary>F16: IEEE binary16 values (ggml_half); the scalar reference kernels.</summary>
internal static class F16Scalar
{
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> dst)
    {
        var h = BlockSpans.Read<ushort>(blocks, dst.Length, 1, "f16");
        for (int i = 0; i < h.Length; i++) dst[i] = Fp16.ToFloat(h[i]);
    }

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var h = BlockSpans.Read<ushort>(row, x.Length, 1, "f16");
        float sum = 0;
        for (int i = 0; i < h.Length; i++) sum += Fp16.ToFloat(h[i]) * x[i];
        return sum;
    }

    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        var h = BlockSpans.Write<ushort>(dst, src.Length, 1, "f16");
        for (int i = 0; i < src.Length; i++) h[i] = Fp16.FromFloat(src[i]);
    }
}
