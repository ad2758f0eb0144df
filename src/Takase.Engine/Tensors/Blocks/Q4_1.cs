using System.Runtime.InteropServices;

namespace Takase.Engine.Tensors.Blocks;

/// <summary>ggml's block_q4_1: 32 weights as 4-bit levels q in [0, 15], value = q·d + m.
/// Byte j holds element j in its low nibble and element j + 16 in its high nibble.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ4_1
{
    public const int Elements = 32;
    public ushort D;      // f16 scale
    public ushort M;      // f16 minimum
    public Bytes16 Qs;    // nibbles
}

/// <summary>Q4_1 scalar reference kernels (dequantize_row_q4_1, quantize_row_q4_1_ref).</summary>
internal static class Q4_1Scalar
{
    private const string Name = "q4_1";

    public static void Dequantize(ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        var blocks = BlockSpans.Read<BlockQ4_1>(bytes, dst.Length, BlockQ4_1.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = Fp16.ToFloat(b.D), m = Fp16.ToFloat(b.M);
            var y = dst.Slice(i * BlockQ4_1.Elements, BlockQ4_1.Elements);
            for (int j = 0; j < 16; j++)
            {
                y[j] = (b.Qs[j] & 0x0F) * d + m;
                y[j + 16] = (b.Qs[j] >> 4) * d + m;
            }
        }
    }

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var blocks = BlockSpans.Read<BlockQ4_1>(row, x.Length, BlockQ4_1.Elements, Name);
        float sum = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            var xb = x.Slice(i * BlockQ4_1.Elements, BlockQ4_1.Elements);
            // Σ(q·d + m)·x = d·Σq·x + m·Σx
            float qx = 0, xs = 0;
            for (int j = 0; j < 16; j++)
            {
                qx += (b.Qs[j] & 0x0F) * xb[j] + (b.Qs[j] >> 4) * xb[j + 16];
                xs += xb[j] + xb[j + 16];
            }
            sum += Fp16.ToFloat(b.D) * qx + Fp16.ToFloat(b.M) * xs;
        }
        return sum;
    }

    /// <summary>Min/max fit: m is the block minimum and 15 steps of d span the range.</summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        var blocks = BlockSpans.Write<BlockQ4_1>(dst, src.Length, BlockQ4_1.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = src.Slice(i * BlockQ4_1.Elements, BlockQ4_1.Elements);
            float min = float.MaxValue, max = -float.MaxValue;
            foreach (float v in x)
            {
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 15;
            float id = d != 0 ? 1.0f / d : 0.0f;
            ref var b = ref blocks[i];
            b.D = Fp16.FromFloat(d);
            b.M = Fp16.FromFloat(min);
            for (int j = 0; j < 16; j++)
            {
                int q0 = Math.Min(15, (int)((x[j] - min) * id + 0.5f));
                int q1 = Math.Min(15, (int)((x[j + 16] - min) * id + 0.5f));
                b.Qs[j] = (byte)(q0 | (q1 << 4));
            }
        }
    }
}
