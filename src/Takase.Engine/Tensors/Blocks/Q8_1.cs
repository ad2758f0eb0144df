using System.Runtime.InteropServices;

namespace Takase.Engine.Tensors.Blocks;

/// <summary>ggml's block_q8_1: Q8_0 plus s = d·Σq, which lets dot products with Q4_1/Q5_1 fold in their
/// minimum without a second pass. Value = q·d (s is not needed to dequantize).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ8_1
{
    public const int Elements = 32;
    public ushort D;      // f16 scale
    public ushort S;      // f16 d·Σq
    public SBytes32 Qs;   // levels in [−127, 127]
}

/// <summary>Q8_1 scalar reference kernels (dequantize as Q8_0, quantize_row_q8_1_ref).</summary>
internal static class Q8_1Scalar
{
    private const string Name = "q8_1";

    public static void Dequantize(ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        var blocks = BlockSpans.Read<BlockQ8_1>(bytes, dst.Length, BlockQ8_1.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = Fp16.ToFloat(b.D);
            var y = dst.Slice(i * BlockQ8_1.Elements, BlockQ8_1.Elements);
            for (int j = 0; j < BlockQ8_1.Elements; j++) y[j] = b.Qs[j] * d;
        }
    }

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var blocks = BlockSpans.Read<BlockQ8_1>(row, x.Length, BlockQ8_1.Elements, Name);
        float sum = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            var xb = x.Slice(i * BlockQ8_1.Elements, BlockQ8_1.Elements);
            float blockSum = 0;
            for (int j = 0; j < BlockQ8_1.Elements; j++) blockSum += b.Qs[j] * xb[j];
            sum += Fp16.ToFloat(b.D) * blockSum;
        }
        return sum;
    }

    /// <summary>As Q8_0, plus the scaled level sum.</summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        var blocks = BlockSpans.Write<BlockQ8_1>(dst, src.Length, BlockQ8_1.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = src.Slice(i * BlockQ8_1.Elements, BlockQ8_1.Elements);
            float amax = 0;
            foreach (float v in x) amax = MathF.Max(amax, MathF.Abs(v));
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            ref var b = ref blocks[i];
            b.D = Fp16.FromFloat(d);
            int levelSum = 0;
            for (int j = 0; j < BlockQ8_1.Elements; j++)
            {
                b.Qs[j] = (sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
                levelSum += b.Qs[j];
            }
            b.S = Fp16.FromFloat(levelSum * d);
        }
    }
}
