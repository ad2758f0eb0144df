using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Takase.Engine.Tensors.Blocks;

/// <summary>ggml's block_q5_0: 32 weights as 5-bit levels q in [0, 31], value = (q − 16)·d.
/// Qs holds the low 4 bits like Q4_0 (element j low nibble, j + 16 high nibble); bit k of the little-endian
/// 32-bit Qh is the fifth bit of element k.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ5_0
{
    public const int Elements = 32;
    public ushort D;      // f16 scale
    public Bytes4 Qh;     // fifth bits
    public Bytes16 Qs;    // low nibbles
}

/// <summary>Q5_0 scalar reference kernels (dequantize_row_q5_0, quantize_row_q5_0_ref).</summary>
internal static class Q5_0Scalar
{
    private const string Name = "q5_0";

    public static void Dequantize(ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        var blocks = BlockSpans.Read<BlockQ5_0>(bytes, dst.Length, BlockQ5_0.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = Fp16.ToFloat(b.D);
            uint qh = BinaryPrimitives.ReadUInt32LittleEndian(b.Qh);
            var y = dst.Slice(i * BlockQ5_0.Elements, BlockQ5_0.Elements);
            for (int j = 0; j < 16; j++)
            {
                int q0 = (b.Qs[j] & 0x0F) | (int)((qh >> j) & 1) << 4;
                int q1 = (b.Qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
                y[j] = (q0 - 16) * d;
                y[j + 16] = (q1 - 16) * d;
            }
        }
    }

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var blocks = BlockSpans.Read<BlockQ5_0>(row, x.Length, BlockQ5_0.Elements, Name);
        float sum = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            uint qh = BinaryPrimitives.ReadUInt32LittleEndian(b.Qh);
            var xb = x.Slice(i * BlockQ5_0.Elements, BlockQ5_0.Elements);
            float blockSum = 0;
            for (int j = 0; j < 16; j++)
            {
                int q0 = (b.Qs[j] & 0x0F) | (int)((qh >> j) & 1) << 4;
                int q1 = (b.Qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
                blockSum += (q0 - 16) * xb[j] + (q1 - 16) * xb[j + 16];
            }
            sum += Fp16.ToFloat(b.D) * blockSum;
        }
        return sum;
    }

    /// <summary>Like Q4_0 with 32 levels: the largest-magnitude element maps to level −16 exactly.</summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        var blocks = BlockSpans.Write<BlockQ5_0>(dst, src.Length, BlockQ5_0.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = src.Slice(i * BlockQ5_0.Elements, BlockQ5_0.Elements);
            float amax = 0, max = 0;
            foreach (float v in x)
            {
                if (amax < MathF.Abs(v)) { amax = MathF.Abs(v); max = v; }
            }
            float d = max / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            ref var b = ref blocks[i];
            b.D = Fp16.FromFloat(d);
            uint qh = 0;
            for (int j = 0; j < 16; j++)
            {
                int q0 = Math.Min(31, (int)(x[j] * id + 16.5f));
                int q1 = Math.Min(31, (int)(x[j + 16] * id + 16.5f));
                b.Qs[j] = (byte)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
                qh |= (uint)(q0 >> 4) << j;
                qh |= (uint)(q1 >> 4) << (j + 16);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(b.Qh, qh);
        }
    }
}
