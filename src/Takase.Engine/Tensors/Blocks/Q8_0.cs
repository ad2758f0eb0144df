using System.Runtime.InteropServices;

namespace Takase.Engine.Tensors.Blocks;

/// <summary>ggml's block_q8_0: 32 weights as signed bytes q, value = q·d.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ8_0
{
    public const int Elements = 32;
    public ushort D;      // f16 scale
    public SBytes32 Qs;   // levels in [−127, 127]
}

/// <summary>Q8_0 scalar reference kernels (dequantize_row_q8_0, quantize_row_q8_0_ref).</summary>
internal static class Q8_0Scalar
{
    private const string Name = "q8_0";

    public static void Dequantize(ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        var blocks = BlockSpans.Read<BlockQ8_0>(bytes, dst.Length, BlockQ8_0.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = Fp16.ToFloat(b.D);
            var y = dst.Slice(i * BlockQ8_0.Elements, BlockQ8_0.Elements);
            for (int j = 0; j < BlockQ8_0.Elements; j++) y[j] = b.Qs[j] * d;
        }
    }

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var blocks = BlockSpans.Read<BlockQ8_0>(row, x.Length, BlockQ8_0.Elements, Name);
        float sum = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            var xb = x.Slice(i * BlockQ8_0.Elements, BlockQ8_0.Elements);
            float blockSum = 0;
            for (int j = 0; j < BlockQ8_0.Elements; j++) blockSum += b.Qs[j] * xb[j];
            sum += Fp16.ToFloat(b.D) * blockSum;
        }
        return sum;
    }

    /// <summary>d = absmax/127; each level is x/d rounded half away from zero (C's roundf).</summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        var blocks = BlockSpans.Write<BlockQ8_0>(dst, src.Length, BlockQ8_0.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = src.Slice(i * BlockQ8_0.Elements, BlockQ8_0.Elements);
            float amax = 0;
            foreach (float v in x) amax = MathF.Max(amax, MathF.Abs(v));
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            ref var b = ref blocks[i];
            b.D = Fp16.FromFloat(d);
            for (int j = 0; j < BlockQ8_0.Elements; j++)
                b.Qs[j] = (sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
        }
    }
}
