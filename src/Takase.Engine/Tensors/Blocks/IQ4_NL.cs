using System.Runtime.InteropServices;

namespace Takase.Engine.Tensors.Blocks;

/// <summary>
/// ggml's block_iq4_nl: 32 weights as 4-bit indices into a fixed non-linear codebook, value = d·K[q]. The codebook
/// puts more levels near zero, where trained weights are dense. Nibble layout as q4_0: byte j holds element j (low)
/// and element j + 16 (high).
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockIQ4_NL
{
    public const int Elements = 32;
    public ushort D;      // f16 scale
    public Bytes16 Qs;    // codebook indices
}

/// <summary>
/// The IQ4 codebook shared by iq4_nl and iq4_xs (ggml's kvalues_iq4nl), and its scale search: the search ggml's
/// quantize_row_iq4_nl_impl does without an importance matrix (weights x², a few scale candidates around the one that
/// maps the largest element to the codebook's end).
/// </summary>
internal static class IQ4Codebook
{
    public static ReadOnlySpan<sbyte> Values => [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    /// <summary>The index of the codebook value nearest to <paramref name="x"/>.</summary>
    public static int Nearest(float x)
    {
        var values = Values;
        if (x <= values[0]) return 0;
        if (x >= values[15]) return 15;
        int lo = 0, hi = 15;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            if (x < values[mid]) hi = mid; else lo = mid;
        }
        return x - values[lo] < values[hi] - x ? lo : hi;
    }

    /// <summary>
    /// One group of 32 elements from its 16 bytes of codebook indices (byte j: element j low nibble, element j + 16
    /// high nibble), times <paramref name="scale"/> — the layout iq4_nl blocks and iq4_xs groups share.
    /// </summary>
    public static void DequantizeGroup(ReadOnlySpan<byte> qs, float scale, Span<float> y)
    {
        var k = Values;
        for (int j = 0; j < 16; j++)
        {
            y[j] = scale * k[qs[j] & 0x0F];
            y[j + 16] = scale * k[qs[j] >> 4];
        }
    }

    /// <summary>Σ K[q]·x over one group of 32 (unscaled: the caller multiplies by the group's scale once).</summary>
    public static float DotGroup(ReadOnlySpan<byte> qs, ReadOnlySpan<float> x)
    {
        var k = Values;
        float sum = 0;
        for (int j = 0; j < 16; j++) sum += k[qs[j] & 0x0F] * x[j] + k[qs[j] >> 4] * x[j + 16];
        return sum;
    }

    /// <summary>
    /// The best block scale for <paramref name="x"/> (least weighted squared error over 15 candidate scales, each
    /// refined by least squares), with the chosen indices in <paramref name="levels"/>; 0 for an all-zero block.
    /// </summary>
    public static float FitScale(ReadOnlySpan<float> x, Span<byte> levels, int tries = 7)
    {
        float amax = 0, max = 0;
        foreach (var v in x)
            if (MathF.Abs(v) > amax) { amax = MathF.Abs(v); max = v; }
        if (amax < 1e-15f)
        {
            levels.Fill(0);
            return 0;
        }
        var values = Values;
        float best = 0, bestD = 0;
        for (int t = -tries; t <= tries; t++)
        {
            float id = (t + values[0]) / max;
            float sumqx = 0, sumq2 = 0;
            for (int j = 0; j < x.Length; j++)
            {
                float w = x[j] * x[j];
                float q = values[Nearest(id * x[j])];
                sumqx += w * q * x[j];
                sumq2 += w * q * q;
            }
            if (sumq2 > 0 && (bestD == 0 || sumqx * sumqx > best * sumq2))
            {
                bestD = sumqx / sumq2;
                best = bestD * sumqx;
            }
        }
        float inv = bestD != 0 ? 1 / bestD : 0;
        for (int j = 0; j < x.Length; j++) levels[j] = (byte)Nearest(inv * x[j]);
        return bestD;
    }
}

/// <summary>IQ4_NL scalar reference kernels (dequantize_row_iq4_nl; quantization as ggml's without an importance matrix).</summary>
internal static class IQ4_NLScalar
{
    private const string Name = "iq4_nl";

    public static void Dequantize(ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        var blocks = BlockSpans.Read<BlockIQ4_NL>(bytes, dst.Length, BlockIQ4_NL.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            IQ4Codebook.DequantizeGroup(b.Qs, Fp16.ToFloat(b.D), dst.Slice(i * BlockIQ4_NL.Elements, BlockIQ4_NL.Elements));
        }
    }

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var blocks = BlockSpans.Read<BlockIQ4_NL>(row, x.Length, BlockIQ4_NL.Elements, Name);
        float sum = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            sum += Fp16.ToFloat(b.D) * IQ4Codebook.DotGroup(b.Qs, x.Slice(i * BlockIQ4_NL.Elements, BlockIQ4_NL.Elements));
        }
        return sum;
    }

    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        var blocks = BlockSpans.Write<BlockIQ4_NL>(dst, src.Length, BlockIQ4_NL.Elements, Name);
        Span<byte> levels = stackalloc byte[BlockIQ4_NL.Elements];
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = src.Slice(i * BlockIQ4_NL.Elements, BlockIQ4_NL.Elements);
            ref var b = ref blocks[i];
            b.D = Fp16.FromFloat(IQ4Codebook.FitScale(x, levels));
            for (int j = 0; j < 16; j++) b.Qs[j] = (byte)(levels[j] | (levels[j + 16] << 4));
        }
    }
}
