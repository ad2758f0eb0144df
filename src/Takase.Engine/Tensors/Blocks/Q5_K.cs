using System.Runtime.InteropServices;

namespace Takase.Engine.Tensors.Blocks;

/// <summary>
/// ggml's block_q5_K: like <see cref="BlockQ4_K"/> with 5-bit levels. The low 4 bits sit where Q4_K puts its
/// levels; the fifth bit of element e is bit (e/32) of Qh[e%32].
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ5_K
{
    public const int Elements = 256;
    public ushort D;        // f16 super-block scale for the scales
    public ushort DMin;     // f16 super-block scale for the mins
    public Bytes12 Scales;  // eight 6-bit scales and mins, packed
    public Bytes32 Qh;      // fifth bits
    public Bytes128 Qs;     // low 4 bits

    public readonly int Level(int e)
    {
        int low = (Qs[32 * (e / 64) + e % 32] >> (e % 64 < 32 ? 0 : 4)) & 0xF;
        int high = (Qh[e % 32] >> (e / 32)) & 1;
        return low | high << 4;
    }
}

/// <summary>Q5_K scalar reference kernels (dequantize_row_q5_K, quantize_row_q5_K_ref).</summary>
internal static class Q5_KScalar
{
    private const string Name = "q5_K";

    public static void Dequantize(ReadOnlySpan<byte> bytes, Span<float> dst)
    {
        var blocks = BlockSpans.Read<BlockQ5_K>(bytes, dst.Length, BlockQ5_K.Elements, Name);
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            float d = Fp16.ToFloat(b.D), dmin = Fp16.ToFloat(b.DMin);
            var y = dst.Slice(i * BlockQ5_K.Elements, BlockQ5_K.Elements);
            for (int g = 0; g < 8; g++)
            {
                PackedScales.Get(b.Scales, g, out int sc, out int m);
                float dl = d * sc, ml = dmin * m;
                for (int e = 32 * g; e < 32 * g + 32; e++) y[e] = dl * b.Level(e) - ml;
            }
        }
    }

    public static float Dot(ReadOnlySpan<byte> row, ReadOnlySpan<float> x)
    {
        var blocks = BlockSpans.Read<BlockQ5_K>(row, x.Length, BlockQ5_K.Elements, Name);
        float sum = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly var b = ref blocks[i];
            var xb = x.Slice(i * BlockQ5_K.Elements, BlockQ5_K.Elements);
            float scaled = 0, mins = 0;
            for (int g = 0; g < 8; g++)
            {
                PackedScales.Get(b.Scales, g, out int sc, out int m);
                float qx = 0, xs = 0;
                for (int e = 32 * g; e < 32 * g + 32; e++)
                {
                    qx += b.Level(e) * xb[e];
                    xs += xb[e];
                }
                scaled += sc * qx;
                mins += m * xs;
            }
            sum += Fp16.ToFloat(b.D) * scaled - Fp16.ToFloat(b.DMin) * mins;
        }
        return sum;
    }

    /// <summary>As Q4_K with 32 levels and a narrower scale search.</summary>
    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        var blocks = BlockSpans.Write<BlockQ5_K>(dst, src.Length, BlockQ5_K.Elements, Name);
        Span<byte> levels = stackalloc byte[BlockQ5_K.Elements];
        Span<byte> scratch = stackalloc byte[32];
        Span<float> weights = stackalloc float[32];
        Span<float> mins = stackalloc float[8];
        Span<float> scales = stackalloc float[8];
        Span<byte> ls = stackalloc byte[8];
        Span<byte> lm = stackalloc byte[8];
        for (int i = 0; i < blocks.Length; i++)
        {
            var x = src.Slice(i * BlockQ5_K.Elements, BlockQ5_K.Elements);
            ref var b = ref blocks[i];
            KQuantGroups.FitScaleMin32(x, nmax: 31, rmin: -0.5f, rdelta: 0.1f, nstep: 15, levels, scales, mins, weights, scratch,
                out float maxScale, out float maxMin);
            KQuantGroups.QuantizeScaleMins(scales, mins, maxScale, maxMin, ls, lm);
            PackedScales.Set(b.Scales, ls, lm);
            b.D = Fp16.FromFloat(maxScale / 63f);
            b.DMin = Fp16.FromFloat(maxMin / 63f);
            KQuantGroups.Requantize32(x, b.Scales, Fp16.ToFloat(b.D), Fp16.ToFloat(b.DMin), nmax: 31, levels);

            b.Qh = default;
            for (int e = 0; e < BlockQ5_K.Elements; e++)
            {
                int l = levels[e];
                if (l > 15) b.Qh[e % 32] |= (byte)(1 << (e / 32));
                int shift = e % 64 < 32 ? 0 : 4;
                int index = 32 * (e / 64) + e % 32;
                if (shift == 0) b.Qs[index] = (byte)(l & 0xF);
                else b.Qs[index] |= (byte)((l & 0xF) << 4);
            }
        }
    }
}
