using System.Runtime.InteropServices;

namespace Takase.Engine.Tensors.Blocks;

/// <summary>ggml's block_q4_0: 32 weights as 4-bit levels q in [0, 15], value = (q − 8)·d.
/// Byte j holds element j in its low nibble and element j + 16 in its high nibble.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ4_0
{
    public const int Elements = 32;
    public ushort D;      // f16 scale
    public Bytes16 Qs;    // nibbles
}

/// <summary>Q4_0 scalar reference kernels (dequantize_row_q4_0, quantize_row_q4_0_ref).</summary>
internal static class Q4_0Scalar
{
    private const string Name = "q4_0";

    public static void Dequantize(ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        var blocks = BlockSpans.Read<BlockQ4_0>(bytes, dst.Length, BlockQ4_0.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = Fp16.ToFloat(b.D);
            var y = dst.Slice(i * BlockQ4_0.Elements, BlockQ4_0.Elements);
            for (int j = 0; j < 16; j++)
            {
                y[j] = ((b.Qs[j] & 0x0F) - 8) * d;
                y[j + 16] = ((b.Qs[j] >> 4) - 8) * d;
            }
        }
    }

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var blocks = BlockSpans.Read<BlockQ4_0>(row, x.Length, BlockQ4_0.Elements, Name);
        float sum = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            var xb = x.Slice(i * BlockQ4_0.Elements, BlockQ4_0.Elements);
            // The block scale multiplies once, after the integer-level sum.
            float blockSum = 0;
            for (int j = 0; j < 16; j++)
                blockSum += ((b.Qs[j] & 0x0F) - 8) * xb[j] + ((b.Qs[j] >> 4) - 8) * xb[j + 16];
            sum += Fp16.ToFloat(b.D) * blockSum;
        }
        return sum;
    }

    /// <summary>The scale maps the element of largest magnitude to level −8 exactly (sign included),
    /// so one side of the range is used in full; levels round by adding 8.5 and truncating, as ggml does.</summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        var blocks = BlockSpans.Write<BlockQ4_0>(dst, src.Length, BlockQ4_0.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = src.Slice(i * BlockQ4_0.Elements, BlockQ4_0.Elements);
            float amax = 0, max = 0;
            foreach (float v in x)
            {
                if (amax < MathF.Abs(v)) { amax = MathF.Abs(v); max = v; }
            }
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            ref var b = ref blocks[i];
            b.D = Fp16.FromFloat(d);
            for (int j = 0; j < 16; j++)
            {
                int q0 = Math.Min(15, (int)(x[j] * id + 8.5f));
                int q1 = Math.Min(15, (int)(x[j + 16] * id + 8.5f));
                b.Qs[j] = (byte)(q0 | (q1 << 4));
            }
        }
    }
}
