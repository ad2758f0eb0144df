using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Takase.Engine.Tensors.Blocks;

/// <summary>ggml's block_q5_1: 32 weights as 5-bit levels q in [0, 31], value = q·d + m.
/// Low 4 bits and fifth bits are laid out as in <see cref="BlockQ5_0"/>.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ5_1
{
    public const int Elements = 32;
    public ushort D;      // f16 scale
    public ushort M;      // f16 minimum
    public Bytes4 Qh;     // fifth bits
    public Bytes16 Qs;    // low nibbles
}

/// <summary>Q5_1 scalar reference kernels (dequantize_row_q5_1, quantize_row_q5_1_ref).</summary>
internal static class Q5_1Scalar
{
    private const string Name = "q5_1";

    public static void Dequantize(ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        var blocks = BlockSpans.Read<BlockQ5_1>(bytes, dst.Length, BlockQ5_1.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = Fp16.ToFloat(b.D), m = Fp16.ToFloat(b.M);
            uint qh = BinaryPrimitives.ReadUInt32LittleEndian(b.Qh);
            var y = dst.Slice(i * BlockQ5_1.Elements, BlockQ5_1.Elements);
            for (int j = 0; j < 16; j++)
            {
                int q0 = (b.Qs[j] & 0x0F) | (int)((qh >> j) & 1) << 4;
                int q1 = (b.Qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
                y[j] = q0 * d + m;
                y[j + 16] = q1 * d + m;
            }
        }
    }

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var blocks = BlockSpans.Read<BlockQ5_1>(row, x.Length, BlockQ5_1.Elements, Name);
        float sum = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            uint qh = BinaryPrimitives.ReadUInt32LittleEndian(b.Qh);
            var xb = x.Slice(i * BlockQ5_1.Elements, BlockQ5_1.Elements);
            float qx = 0, xs = 0;
            for (int j = 0; j < 16; j++)
            {
                int q0 = (b.Qs[j] & 0x0F) | (int)((qh >> j) & 1) << 4;
                int q1 = (b.Qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
                qx += q0 * xb[j] + q1 * xb[j + 16];
                xs += xb[j] + xb[j + 16];
            }
            sum += Fp16.ToFloat(b.D) * qx + Fp16.ToFloat(b.M) * xs;
        }
        return sum;
    }

    /// <summary>Min/max fit like Q4_1 with 31 steps.</summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        var blocks = BlockSpans.Write<BlockQ5_1>(dst, src.Length, BlockQ5_1.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = src.Slice(i * BlockQ5_1.Elements, BlockQ5_1.Elements);
            float min = float.MaxValue, max = -float.MaxValue;
            foreach (float v in x)
            {
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 31;
            float id = d != 0 ? 1.0f / d : 0.0f;
            ref var b = ref blocks[i];
            b.D = Fp16.FromFloat(d);
            b.M = Fp16.FromFloat(min);
            uint qh = 0;
            for (int j = 0; j < 16; j++)
            {
                // ggml does not clamp here: (max − min)·id + 0.5 stays below 32.
                int q0 = (byte)((x[j] - min) * id + 0.5f);
                int q1 = (byte)((x[j + 16] - min) * id + 0.5f);
                b.Qs[j] = (byte)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
                qh |= (uint)((q0 & 0x10) >> 4) << j;
                qh |= (uint)((q1 & 0x10) >> 4) << (j + 16);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(b.Qh, qh);
        }
    }
}
