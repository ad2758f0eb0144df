using System.Runtime.InteropServices;

namespace Takase.Engine.Tensors.Blocks;

/// <summary>
/// ggml's block_iq4_xs: 256 weights in 8 groups of 32, value = d·(ls − 32)·K[q] with the IQ4 codebook K and a 6-bit
/// group scale ls (low 4 bits in ScalesL, nibble per group; high 2 bits in ScalesH, 2 bits per group). Within a
/// group, byte j of its 16 holds element j (low nibble) and element j + 16 (high nibble).
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockIQ4_XS
{
    public const int Elements = 256;
    public ushort D;        // f16 super-block scale
    public ushort ScalesH;  // high 2 bits of the eight group scales
    public Bytes4 ScalesL;  // low 4 bits of the eight group scales
    public Bytes128 Qs;     // codebook indices

    public readonly int GroupScale(int g) => ((ScalesL[g / 2] >> (4 * (g % 2))) & 0xF) | (((ScalesH >> (2 * g)) & 3) << 4);
}

/// <summary>IQ4_XS scalar reference kernels (dequantize_row_iq4_xs; quantization as ggml's without an importance matrix).</summary>
internal static class IQ4_XSScalar
{
    private const string Name = "iq4_xs";

    public static void Dequantize(ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        var blocks = BlockSpans.Read<BlockIQ4_XS>(bytes, dst.Length, BlockIQ4_XS.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            ReadOnlySpan<byte> qs = b.Qs;
            float d = Fp16.ToFloat(b.D);
            for (int g = 0; g < 8; g++)
                IQ4Codebook.DequantizeGroup(qs.Slice(16 * g, 16), d * (b.GroupScale(g) - 32), dst.Slice(i * BlockIQ4_XS.Elements + 32 * g, 32));
        }
    }

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var blocks = BlockSpans.Read<BlockIQ4_XS>(row, x.Length, BlockIQ4_XS.Elements, Name);
        float sum = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            ReadOnlySpan<byte> qs = b.Qs;
            float d = Fp16.ToFloat(b.D);
            for (int g = 0; g < 8; g++)
                sum += d * (b.GroupScale(g) - 32) * IQ4Codebook.DotGroup(qs.Slice(16 * g, 16), x.Slice(i * BlockIQ4_XS.Elements + 32 * g, 32));
        }
        return sum;
    }

    /// <summary>Each group gets its best scale; the group scales are then quantized to 6 bits against a super-block
    /// scale chosen so the largest magnitude maps to −32, and the levels are re-chosen for the rounded scale.</summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        var blocks = BlockSpans.Write<BlockIQ4_XS>(dst, src.Length, BlockIQ4_XS.Elements, Name);
        Span<byte> levels = stackalloc byte[32];
        Span<float> scales = stackalloc float[8];
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = src.Slice(i * BlockIQ4_XS.Elements, BlockIQ4_XS.Elements);
            ref var b = ref blocks[i];
            float amax = 0, max = 0;
            for (int g = 0; g < 8; g++)
            {
                scales[g] = IQ4Codebook.FitScale(x.Slice(32 * g, 32), levels);
                if (MathF.Abs(scales[g]) > amax) { amax = MathF.Abs(scales[g]); max = scales[g]; }
            }
            float d = -max / 32;
            float id = d != 0 ? 1 / d : 0;
            b.D = Fp16.FromFloat(d);
            d = Fp16.ToFloat(b.D);
            b.ScalesH = 0;
            for (int g = 0; g < 4; g++) b.ScalesL[g] = 0;
            for (int g = 0; g < 8; g++)
            {
                int l = Math.Clamp((int)MathF.Round(id * scales[g]), -32, 31);
                float dl = d * l;
                float inv = dl != 0 ? 1 / dl : 0;
                var xg = x.Slice(32 * g, 32);
                for (int j = 0; j < 16; j++)
                    b.Qs[16 * g + j] = (byte)(IQ4Codebook.Nearest(inv * xg[j]) | (IQ4Codebook.Nearest(inv * xg[j + 16]) << 4));
                int ls = l + 32;
                b.ScalesL[g / 2] |= (byte)((ls & 0xF) << (4 * (g % 2)));
                b.ScalesH |= (ushort)((ls >> 4) << (2 * g));
            }
        }
    }
}
