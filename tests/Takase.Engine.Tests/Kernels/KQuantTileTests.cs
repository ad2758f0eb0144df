using System.Runtime.InteropServices;
using Takase.Engine.Kernels;
using Takase.Engine.Kernels.Batched;
using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Models;
using Takase.Engine.Tensors;
using Takase.Engine.Tensors.Blocks;
using Takase.Engine.Tests.Tensors;

namespace Takase.Engine.Tests.Kernels;

/// <summary>
/// The Q4_K and Q6_K tiles do the row dots' integer and float operations in the same order, so every output must
/// equal <see cref="RowDots.For"/>(type).Dot on the same Q8_K activations bit for bit: the kernels alone on random
/// blocks (every level and 16-element sum random, extremes included), and the tiled product for odd row counts,
/// 1 to 9 columns (4-column groups, a 2-column tile, a last odd column) and more than one thread.
/// </summary>
public sealed unsafe class KQuantTileTests
{
    private static delegate*<byte*, int, float*, byte*, int, float*, int, float*, int, void> TileOf(GgmlType type, int columns) => (type, columns) switch
    {
        (GgmlType.Q4_K, 4) => &Q4_KTile.Tile,
        (GgmlType.Q4_K, 2) => &Q4_KTile.Tile2,
        (GgmlType.Q6_K, 4) => &Q6_KTile.Tile,
        (GgmlType.Q6_K, 2) => &Q6_KTile.Tile2,
        _ => throw new ArgumentException($"no tile for {type} × {columns}"),
    };

    [Theory]
    [InlineData(GgmlType.Q4_K, 4, 1)]
    [InlineData(GgmlType.Q4_K, 4, 19)]   // the Qwen2.5 ffn_down width (4864)
    [InlineData(GgmlType.Q4_K, 2, 3)]
    [InlineData(GgmlType.Q6_K, 4, 1)]
    [InlineData(GgmlType.Q6_K, 4, 19)]
    [InlineData(GgmlType.Q6_K, 2, 8)]
    public void TileEqualsTheRowDotOnRandomBlocks(GgmlType type, int columns, int blocks)
    {
        Assert.SkipUnless(RowDots.UseAvx2, "no AVX2 + FMA on this CPU: the K-quant tiles are not used");
        int n = blocks * 256;
        var weights = TensorTestData.RandomRow(type, 2 * n, seed: 7 * blocks + columns);
        // Random Q8_K blocks, not quantized floats: levels reach −128 and the 16-element sums take any value.
        var activations = TensorTestData.RandomRow(GgmlType.Q8_K, columns * n, seed: blocks);
        int rowBytes = weights.Length / 2, actBytes = activations.Length / columns;
        const int yStride = 5; // a column's outputs need not be adjacent
        var y = new float[columns * yStride];
        fixed (byte* w = weights)
        fixed (byte* a = activations)
        fixed (float* py = y)
        {
            TileOf(type, columns)(w, rowBytes, null, a, actBytes, null, blocks, py, yStride);
            var dot = RowDots.For(type)!.Dot;
            for (int c = 0; c < columns; c++)
                for (int r = 0; r < 2; r++)
                    Assert.Equal(dot(w + r * rowBytes, a + c * actBytes, blocks), y[c * yStride + r]);
        }
    }

    public static TheoryData<GgmlType, int, int, int> Products()
    {
        var data = new TheoryData<GgmlType, int, int, int>();
        foreach (var type in new[] { GgmlType.Q4_K, GgmlType.Q6_K })
        {
            for (int columns = 1; columns <= 9; columns++) data.Add(type, 37, 768, columns);   // odd rows, 3 blocks
            data.Add(type, 51, 4864, 6);   // 19 blocks, a 4- and a 2-column group
            data.Add(type, 130, 512, 7);   // enough work for the worker pool
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Products))]
    public void TiledProductEqualsTheRowDots(GgmlType type, int rows, int cols, int columns)
    {
        Assert.SkipUnless(RowDots.UseAvx2, "no AVX2 + FMA on this CPU: the K-quant tiles are not used");
        Assert.True(TiledMatMul.Supports(type), $"{type} has no tile kernel");
        var data = TensorTestData.RandomRow(type, rows * cols, seed: rows + columns);
        var x = TensorTestData.RandomVector(columns * cols, seed: cols + columns);
        var rowDot = RowDots.For(type)!;
        int actBytes = rowDot.ActivationBytes(cols), rowBytes = data.Length / rows;
        var expected = new float[columns * rows];
        var activations = new byte[columns * actBytes];
        fixed (byte* w = data)
        fixed (byte* a = activations)
        fixed (float* px = x)
        {
            for (int c = 0; c < columns; c++)
            {
                rowDot.Prepare(px + c * cols, cols, a + c * actBytes);
                for (int r = 0; r < rows; r++)
                    expected[c * rows + r] = rowDot.Dot(w + (long)r * rowBytes, a + c * actBytes, cols / 256);
            }
        }
        var handle = GCHandle.Alloc(data, GCHandleType.Pinned);
        var saved = WeightOps.Threads;
        try
        {
            var weight = new Weight((byte*)handle.AddrOfPinnedObject(), TensorTypes.Get(type), rows, cols, type.ToString());
            foreach (var threads in new[] { 1, 3 })
            {
                WeightOps.Threads = threads;
                var y = new float[columns * rows];
                TiledMatMul.MatMul(weight, x, columns, y);
                Assert.Equal(expected, y);
            }
        }
        finally
        {
            WeightOps.Threads = saved;
            handle.Free();
        }
    }

    /// <summary>The AVX2 Q8_K quantizer writes the scalar reference's bytes: random blocks of several magnitudes, a
    /// zero block, the largest magnitude present with both signs (the first one's sign wins), and exact halves
    /// (−127 first makes the scale 1, so k + ½ must round to even).</summary>
    [Fact]
    public void Q8_KQuantizerWritesTheScalarBytes()
    {
        Assert.SkipUnless(Q8_KQuantizeAvx2.IsSupported, "no AVX2 on this CPU");
        const int blocks = 12;
        var x = TensorTestData.RandomVector(blocks * 256, seed: 3);
        for (int i = 0; i < 256; i++) x[256 + i] *= 1e-3f;                          // block 1: small values
        for (int i = 0; i < 256; i++) x[512 + i] *= 3e4f;                           // block 2: large values
        Array.Clear(x, 768, 256);                                                   // block 3: all zero
        x[1024 + 7] = 5f; x[1024 + 100] = -5f;                                       // block 4: +max first
        x[1280 + 3] = -5f; x[1280 + 200] = 5f;                                       // block 5: −max first
        x[1536] = -127f;                                                            // block 6: scale 1, ties
        for (int i = 1; i < 256; i++) x[1536 + i] = (i % 2 == 0 ? 1 : -1) * ((i % 127) + 0.5f);
        x[1792 + 255] = 2f;                                                          // block 7: max last
        var expected = new byte[blocks * sizeof(BlockQ8_K)];
        var actual = new byte[expected.Length];
        Q8_KScalar.Quantize(x, expected);
        fixed (float* px = x)
        fixed (byte* pa = actual)
            Q8_KQuantizeAvx2.Quantize(px, x.Length, (BlockQ8_K*)pa);
        Assert.Equal(expected, actual);
    }
}
