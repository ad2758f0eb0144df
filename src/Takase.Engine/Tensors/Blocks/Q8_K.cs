using System.Runtime.InteropServices;

namespace Takase.Engine.Tensors.Blocks;

/// <summary>ggml's block_q8_K: 256 weights as signed bytes with a float scale, plus the level sums of each
/// 16 elements. It is the activation format ggml's k-quant dot products use; value = q·d.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ8_K
{
    public const int Elements = 256;
    public float D;         // f32 scale
    public SBytes256 Qs;    // levels in [−128, 127]
    public Shorts16 BSums;  // Σ of each 16 levels
}

/// <summary>Q8_K scalar reference kernels (dequantize_row_q8_K, quantize_row_q8_K_ref).</summary>
internal static class Q8_KScalar
{
    private const string Name = "q8_K";

    public static void Dequantize(ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        var blocks = BlockSpans.Read<BlockQ8_K>(bytes, dst.Length, BlockQ8_K.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            var y = dst.Slice(i * BlockQ8_K.Elements, BlockQ8_K.Elements);
            for (int j = 0; j < BlockQ8_K.Elements; j++) y[j] = b.D * b.Qs[j];
        }
    }

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var blocks = BlockSpans.Read<BlockQ8_K>(row, x.Length, BlockQ8_K.Elements, Name);
        float sum = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            var xb = x.Slice(i * BlockQ8_K.Elements, BlockQ8_K.Elements);
            float blockSum = 0;
            for (int j = 0; j < BlockQ8_K.Elements; j++) blockSum += b.Qs[j] * xb[j];
            sum += b.D * blockSum;
        }
        return sum;
    }

    /// <summary>The element of largest magnitude maps to −127 exactly; levels round half to even.</summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        var blocks = BlockSpans.Write<BlockQ8_K>(dst, src.Length, BlockQ8_K.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = src.Slice(i * BlockQ8_K.Elements, BlockQ8_K.Elements);
            ref var b = ref blocks[i];
            float max = 0, amax = 0;
            foreach (float v in x)
            {
                float ax = MathF.Abs(v);
                if (ax > amax) { amax = ax; max = v; }
            }
            if (amax == 0)
            {
                b = default;
                continue;
            }
            float iscale = -127f / max;
            for (int j = 0; j < BlockQ8_K.Elements; j++)
                b.Qs[j] = (sbyte)Math.Min(127, QuantFitting.NearestInt(iscale * x[j]));
            for (int g = 0; g < 16; g++)
            {
                int sum = 0;
                for (int j = 16 * g; j < 16 * g + 16; j++) sum += b.Qs[j];
                b.BSums[g] = (short)sum;
            }
            b.D = 1 / iscale;
        }
    }
}
