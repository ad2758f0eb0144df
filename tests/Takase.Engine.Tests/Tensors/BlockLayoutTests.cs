using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Takase.Engine.Tensors;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Tests.Tensors;

/// <summary>
/// Single blocks built byte by byte from ggml's struct declarations, with a few elements checked against the
/// decoding formula written out here, so a slip in where a bit lives is caught.
/// </summary>
public class BlockLayoutTests
{
    private const ushort Half1 = 0x3C00, HalfHalf = 0x3800, HalfQuarter = 0x3400, HalfEighth = 0x3000, HalfMinus1 = 0xBC00, Half2 = 0x4000;

    private static float[] Decode(GgmlType type, byte[] block)
    {
        var info = TensorTypes.Get(type);
        Assert.Equal(info.BytesPerBlock, block.Length);
        var y = new float[info.BlockSize];
        info.RequireDequantize()(block, y);
        // The dot kernel must agree element by element: a one-hot x picks out element i.
        var x = new float[info.BlockSize];
        foreach (int i in new[] { 0, info.BlockSize / 3, info.BlockSize - 1 })
        {
            x[i] = 1;
            Assert.Equal(y[i], info.RequireDot()(block, x), 4);
            x[i] = 0;
        }
        return y;
    }

    private static void PutHalf(byte[] b, int offset, ushort bits) => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(offset), bits);

    // ggml's kvalues_iq4nl, written out here rather than taken from the engine.
    private static readonly int[] Iq4Codebook = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    [Fact]
    public void Iq4NlIsAHalfScaleTimesTheCodebookEntryOfEachNibble()
    {
        // block_iq4_nl { half d; uint8 qs[16]; }: byte j = element j (low nibble) | element j+16 (high nibble).
        var block = new byte[18];
        PutHalf(block, 0, HalfHalf);
        for (int j = 0; j < 16; j++) block[2 + j] = (byte)(j | ((15 - j) << 4));
        var y = Decode(GgmlType.IQ4_NL, block);
        for (int j = 0; j < 16; j++)
        {
            Assert.Equal(0.5f * Iq4Codebook[j], y[j]);
            Assert.Equal(0.5f * Iq4Codebook[15 - j], y[j + 16]);
        }
    }

    [Fact]
    public void Iq4XsGroupsHaveSixBitScalesSplitIntoLowNibblesAndHighPairs()
    {
        // block_iq4_xs { half d; uint16 scales_h; uint8 scales_l[4]; uint8 qs[128]; }, group g's scale
        // ls = (scales_l[g/2] >> 4·(g%2)) & 15 | ((scales_h >> 2g) & 3) << 4, value = d·(ls − 32)·K[nibble].
        var block = new byte[136];
        PutHalf(block, 0, HalfQuarter);
        int[] ls = [0, 1, 31, 32, 33, 47, 62, 63];
        ushort high = 0;
        for (int g = 0; g < 8; g++)
        {
            block[4 + g / 2] |= (byte)((ls[g] & 15) << (4 * (g % 2)));
            high |= (ushort)((ls[g] >> 4) << (2 * g));
        }
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(2), high);
        for (int g = 0; g < 8; g++)
            for (int j = 0; j < 16; j++) block[8 + 16 * g + j] = (byte)(((j + g) & 15) | ((j * 7 + g) & 15) << 4);
        var y = Decode(GgmlType.IQ4_XS, block);
        for (int g = 0; g < 8; g++)
            for (int j = 0; j < 16; j++)
            {
                Assert.Equal(0.25f * (ls[g] - 32) * Iq4Codebook[(j + g) & 15], y[32 * g + j]);
                Assert.Equal(0.25f * (ls[g] - 32) * Iq4Codebook[(j * 7 + g) & 15], y[32 * g + j + 16]);
            }
    }

    [Fact]
    public void StructSizesMatchTheTypeTable()
    {
        Assert.Equal(TensorTypes.Get(GgmlType.IQ4_NL).BytesPerBlock, Unsafe.SizeOf<BlockIQ4_NL>());
        Assert.Equal(TensorTypes.Get(GgmlType.IQ4_XS).BytesPerBlock, Unsafe.SizeOf<BlockIQ4_XS>());
        Assert.Equal(TensorTypes.Get(GgmlType.Q4_0).BytesPerBlock, Unsafe.SizeOf<BlockQ4_0>());
        Assert.Equal(TensorTypes.Get(GgmlType.Q4_1).BytesPerBlock, Unsafe.SizeOf<BlockQ4_1>());
        Assert.Equal(TensorTypes.Get(GgmlType.Q5_0).BytesPerBlock, Unsafe.SizeOf<BlockQ5_0>());
        Assert.Equal(TensorTypes.Get(GgmlType.Q5_1).BytesPerBlock, Unsafe.SizeOf<BlockQ5_1>());
        Assert.Equal(TensorTypes.Get(GgmlType.Q8_0).BytesPerBlock, Unsafe.SizeOf<BlockQ8_0>());
        Assert.Equal(TensorTypes.Get(GgmlType.Q8_1).BytesPerBlock, Unsafe.SizeOf<BlockQ8_1>());
        Assert.Equal(TensorTypes.Get(GgmlType.Q2_K).BytesPerBlock, Unsafe.SizeOf<BlockQ2_K>());
        Assert.Equal(TensorTypes.Get(GgmlType.Q3_K).BytesPerBlock, Unsafe.SizeOf<BlockQ3_K>());
        Assert.Equal(TensorTypes.Get(GgmlType.Q4_K).BytesPerBlock, Unsafe.SizeOf<BlockQ4_K>());
        Assert.Equal(TensorTypes.Get(GgmlType.Q5_K).BytesPerBlock, Unsafe.SizeOf<BlockQ5_K>());
        Assert.Equal(TensorTypes.Get(GgmlType.Q6_K).BytesPerBlock, Unsafe.SizeOf<BlockQ6_K>());
        Assert.Equal(TensorTypes.Get(GgmlType.Q8_K).BytesPerBlock, Unsafe.SizeOf<BlockQ8_K>());
    }

    [Fact]
    public void PlainFloats()
    {
        var f32 = new byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(f32, -1.75f);
        Assert.Equal(-1.75f, Decode(GgmlType.F32, f32)[0]);
        Assert.Equal(1.0f, Decode(GgmlType.F16, [0x00, 0x3C])[0]);
        Assert.Equal(-2.0f, Decode(GgmlType.F16, [0x00, 0xC0])[0]);
        Assert.Equal(1.0f, Decode(GgmlType.BF16, [0x80, 0x3F])[0]);
        Assert.Equal(3.140625f, Decode(GgmlType.BF16, [0x49, 0x40])[0]);
    }

    [Fact]
    public void Q4_0() // { half d; uint8 qs[16]; }  value = (nibble − 8)·d; byte j: element j low, j + 16 high
    {
        var b = new byte[18];
        PutHalf(b, 0, HalfHalf);
        b[2 + 3] = 0xA2;
        var y = Decode(GgmlType.Q4_0, b);
        Assert.Equal((0x2 - 8) * 0.5f, y[3]);
        Assert.Equal((0xA - 8) * 0.5f, y[19]);
        Assert.Equal((0 - 8) * 0.5f, y[0]);
    }

    [Fact]
    public void Q4_1() // { half d; half m; uint8 qs[16]; }  value = nibble·d + m
    {
        var b = new byte[20];
        PutHalf(b, 0, HalfQuarter);
        PutHalf(b, 2, HalfMinus1);
        b[4 + 5] = 0x7F;
        var y = Decode(GgmlType.Q4_1, b);
        Assert.Equal(15 * 0.25f - 1, y[5]);
        Assert.Equal(7 * 0.25f - 1, y[21]);
        Assert.Equal(-1f, y[0]);
    }

    [Fact]
    public void Q5_0() // { half d; uint8 qh[4]; uint8 qs[16]; }  bit k of qh (LE) = fifth bit of element k; value = (q − 16)·d
    {
        var b = new byte[22];
        PutHalf(b, 0, Half1);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(2), (1u << 4) | (1u << 20));
        b[6 + 4] = 0x31;
        var y = Decode(GgmlType.Q5_0, b);
        Assert.Equal((0x1 | 16) - 16, y[4]);
        Assert.Equal((0x3 | 16) - 16, y[20]);
        Assert.Equal(0 - 16, y[5]);
    }

    [Fact]
    public void Q5_1() // { half d; half m; uint8 qh[4]; uint8 qs[16]; }  value = q·d + m
    {
        var b = new byte[24];
        PutHalf(b, 0, HalfHalf);
        PutHalf(b, 2, Half2);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), 1u << 0);
        b[8 + 0] = 0xF3;
        var y = Decode(GgmlType.Q5_1, b);
        Assert.Equal((0x3 | 16) * 0.5f + 2, y[0]);
        Assert.Equal(0xF * 0.5f + 2, y[16]);
    }

    [Fact]
    public void Q8_0() // { half d; int8 qs[32]; }  value = q·d
    {
        var b = new byte[34];
        PutHalf(b, 0, HalfEighth);
        b[2 + 7] = unchecked((byte)-100);
        b[2 + 31] = 127;
        var y = Decode(GgmlType.Q8_0, b);
        Assert.Equal(-100 * 0.125f, y[7]);
        Assert.Equal(127 * 0.125f, y[31]);
    }

    [Fact]
    public void Q8_1() // { half d; half s; int8 qs[32]; }  value = q·d
    {
        var b = new byte[36];
        PutHalf(b, 0, Half2);
        PutHalf(b, 2, 0x7BFF); // s does not take part in dequantization
        b[4 + 0] = unchecked((byte)-3);
        Assert.Equal(-3 * 2f, Decode(GgmlType.Q8_1, b)[0]);
    }

    [Fact]
    public void Q2_K() // { uint8 scales[16]; uint8 qs[64]; half d; half dmin; }
    {
        // Element e: group e/16 with scales[g] = scale | min << 4; level in qs[32·(e/128) + e%32] at bit 2·((e%128)/32).
        var b = new byte[84];
        PutHalf(b, 80, HalfHalf);    // d
        PutHalf(b, 82, HalfQuarter); // dmin
        b[2] = 0x52;                  // group 2: scale 2, min 5
        b[16 + 5] = 0b0000_1100;      // e = 37 → qs[5], bits 2–3: level 3; e = 5 → bits 0–1: level 0
        b[12] = 0x13;                 // group 12: scale 3, min 1
        b[16 + 40] = 0b0010_0000;     // e = 200 → qs[32 + 8], bits 4–5: level 2
        var y = Decode(GgmlType.Q2_K, b);
        Assert.Equal(0.5f * 2 * 3 - 0.25f * 5, y[37]);
        Assert.Equal(0.5f * 3 * 2 - 0.25f * 1, y[200]);
        Assert.Equal(0f, y[5]);
    }

    [Fact]
    public void Q3_K() // { uint8 hmask[32]; uint8 qs[64]; uint8 scales[12]; half d; }  value = d·(scale − 32)·(q − 4)
    {
        var b = new byte[110];
        PutHalf(b, 108, HalfHalf);
        // Group 2, scale 40 = 0b10_1000: low nibble in scales[2] (low), high 2 bits in scales[8 + 2] bits 0–1.
        b[96 + 2] = 0x08;
        b[96 + 10] = 0x02;
        // e = 37: low bits qs[5] bits 2–3 = 1; high bit hmask[5] bit 1 = 1 → level 5.
        b[32 + 5] = 0b0000_0100;
        b[5] = 0b0000_0010;
        // Group 13, scale 10: low nibble in scales[13 − 8] (high nibble), high bits in scales[8 + 1] bits 6–7 = 0.
        b[96 + 5] = 0xA0;
        // e = 211 (group 13): low bits qs[32 + 19] bits 4–5 = 2; hmask[19] bit 6 clear → level 2.
        b[32 + 51] = 0b0010_0000;
        var y = Decode(GgmlType.Q3_K, b);
        Assert.Equal(0.5f * (40 - 32) * (5 - 4), y[37]);
        Assert.Equal(0.5f * (10 - 32) * (2 - 4), y[211]);
    }

    [Fact]
    public void Q4_K() // { half d; half dmin; uint8 scales[12]; uint8 qs[128]; }  value = d·scale·q − dmin·min
    {
        var b = new byte[144];
        PutHalf(b, 0, HalfHalf);
        PutHalf(b, 2, HalfQuarter);
        // Group 1 (j < 4): scale = scales[1] & 63, min = scales[5] & 63.
        b[4 + 1] = 7;
        b[4 + 5] = 2;
        // Group 6 (j ≥ 4): scale 53 = 0b11_0101 → scales[10] low nibble 5, top bits of scales[2] = 3;
        //                  min 19 = 0b01_0011 → scales[10] high nibble 3, top bits of scales[6] = 1.
        b[4 + 10] = 0x35;
        b[4 + 2] |= 0xC0;
        b[4 + 6] |= 0x40;
        b[16 + 4] = 0xB0;   // e = 36: qs[32·0 + 4] high nibble (e%64 ≥ 32) = 11
        b[16 + 103] = 0x09; // e = 199: qs[32·3 + 7] low nibble = 9
        var y = Decode(GgmlType.Q4_K, b);
        Assert.Equal(0.5f * 7 * 11 - 0.25f * 2, y[36]);
        Assert.Equal(0.5f * 53 * 9 - 0.25f * 19, y[199]);
    }

    [Fact]
    public void Q5_K() // { half d; half dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]; }
    {
        var b = new byte[176];
        PutHalf(b, 0, HalfHalf);
        PutHalf(b, 2, HalfQuarter);
        b[4 + 10] = 0x35;   // group 6 as in the Q4_K test: scale 53, min 19
        b[4 + 2] |= 0xC0;
        b[4 + 6] |= 0x40;
        b[16 + 7] = 1 << 6; // e = 199: fifth bit in qh[199 % 32] at bit 199 / 32
        b[48 + 103] = 0x09; // low 4 bits as in Q4_K
        b[48 + 104] = 0x04; // e = 200: low 4, no fifth bit
        var y = Decode(GgmlType.Q5_K, b);
        Assert.Equal(0.5f * 53 * (9 + 16) - 0.25f * 19, y[199]);
        Assert.Equal(0.5f * 53 * 4 - 0.25f * 19, y[200]);
    }

    [Fact]
    public void Q6_K() // { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d; }  value = d·scale·(q − 32)
    {
        var b = new byte[210];
        PutHalf(b, 208, HalfQuarter);
        // e = 150: half 1, r = 22 → low 4 bits in ql[64 + 22] (low nibble), high 2 in qh[32 + 22] bits 0–1.
        b[64 + 22] = 0x05;
        b[128 + 32 + 22] = 0x02;
        b[192 + 150 / 16] = unchecked((byte)-3);
        // e = 100: half 0, r = 100 → ql[100 % 64] high nibble, qh[100 % 32] bits 6–7.
        b[36] = 0xF0;
        b[128 + 4] = 0x40;
        b[192 + 100 / 16] = 8;
        var y = Decode(GgmlType.Q6_K, b);
        Assert.Equal(0.25f * -3 * ((5 | 2 << 4) - 32), y[150]);
        Assert.Equal(0.25f * 8 * ((15 | 1 << 4) - 32), y[100]);
    }

    [Fact]
    public void Q8_K() // { float d; int8 qs[256]; int16 bsums[16]; }  value = q·d
    {
        var b = new byte[292];
        BinaryPrimitives.WriteSingleLittleEndian(b, 0.5f);
        b[4 + 10] = unchecked((byte)-7);
        b[4 + 255] = 100;
        var y = Decode(GgmlType.Q8_K, b);
        Assert.Equal(-3.5f, y[10]);
        Assert.Equal(50f, y[255]);
    }
}
