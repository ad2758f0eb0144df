using System.Runtime.Intrinsics;
using Takase.Engine.Kernels.Batched;
using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Tensors;
using Takase.Engine.Tests.Tensors;

namespace Takase.Engine.Tests.Kernels.Batched;

/// <summary>
/// The VNNI tile formats compute the same integers as the AVX2 ones (vpdpbusd from −offset·Σy instead of
/// vpmaddubsw/vpmaddwd with an offset or sign fix-up), so their tiles must agree bit for bit — both are run here on a
/// CPU that has both, whichever the product picks.
/// </summary>
public sealed unsafe class VnniTileTests
{
    private delegate void TileKernel(byte* w, int rowBytes, float* scales, byte* a, int actStride, float* columnScales, int blocks, float* y, int yStride);

    [Theory]
    [InlineData(GgmlType.Q4_0, 7)]
    [InlineData(GgmlType.Q4_0, 28)]
    [InlineData(GgmlType.Q8_0, 7)]
    [InlineData(GgmlType.Q8_0, 152)]
    [InlineData(GgmlType.Q5_0, 9)]
    [InlineData(GgmlType.Q5_0, 28)]
    public void VnniTilesEqualTheAvx2Tiles(GgmlType type, int blocks)
    {
        Assert.SkipUnless(Vnni.IsSupported, "no AVX-VNNI on this CPU: the VNNI tiles are not used");
        int cols = blocks * 32;
        var info = TensorTypes.Get(type);
        int rowBytes = (int)info.RowBytes(cols);
        // Extreme levels too: the Q8_0 data includes −128 and 127, where a 16-bit path could saturate.
        var weights = TensorTestData.RandomRow(type, 2 * cols, seed: blocks);
        var x = TensorTestData.RandomVector(4 * cols, seed: blocks + 1);
        for (int i = 0; i < cols; i += 97) x[i] = i % 2 == 0 ? 50f : -50f;
        var rowDot = RowDots.For(type)!;
        int actStride = rowDot.ActivationBytes(cols);
        var activations = new byte[4 * actStride];
        var scales = new float[2 * blocks];
        var columnScales = new float[4 * blocks];
        fixed (byte* w = weights)
        fixed (float* px = x)
        fixed (byte* a = activations)
        fixed (float* s = scales, cs = columnScales)
        {
            for (int c = 0; c < 4; c++) rowDot.Prepare(px + c * cols, cols, a + c * actStride);
            for (int c = 0; c < 4; c++)
                for (int i = 0; i < blocks; i++) cs[c * blocks + i] = ((ActivationBlockQ8*)(a + c * actStride))[i].D;
            for (int r = 0; r < 2; r++)
                for (int i = 0; i < blocks; i++)
                    s[r * blocks + i] = HalfBits.ToFloat(*(ushort*)(w + r * rowBytes + i * info.BytesPerBlock));
            var (avx2, vnni, avx2Two, vnniTwo) = Kernels(type);
            foreach (var (first, second) in new[] { (avx2, vnni), (avx2Two, vnniTwo) })
            {
                var expected = new float[8];
                var actual = new float[8];
                fixed (float* e = expected, y = actual)
                {
                    first(w, rowBytes, s, a, actStride, cs, blocks, e, 2);
                    second(w, rowBytes, s, a, actStride, cs, blocks, y, 2);
                }
                Assert.Equal(expected, actual);
                // And each output is the row dot itself.
                for (int k = 0; k < 8 && (first == avx2 || k < 4); k++)
                    Assert.Equal(rowDot.Dot(w + (k % 2) * rowBytes, a + (k / 2) * actStride, blocks), actual[k]);
            }
        }
    }

    private static (TileKernel, TileKernel, TileKernel, TileKernel) Kernels(GgmlType type) => type switch
    {
        GgmlType.Q4_0 => (Tiles<Q4_0Tile, Vector256<byte>, Q4_0Column>.Tile, Tiles<Q4_0TileVnni, Vector256<byte>, VnniColumn>.Tile,
            Tiles<Q4_0Tile, Vector256<byte>, Q4_0Column>.Tile2, Tiles<Q4_0TileVnni, Vector256<byte>, VnniColumn>.Tile2),
        GgmlType.Q8_0 => (Tiles<Q8_0Tile, Vector256<sbyte>, Q8Column>.Tile, Tiles<Q8_0TileVnniSign, SignedLevels, Q8Column>.Tile,
            Tiles<Q8_0Tile, Vector256<sbyte>, Q8Column>.Tile2, Tiles<Q8_0TileVnniSign, SignedLevels, Q8Column>.Tile2),
        GgmlType.Q5_0 => (Tiles<Q5_0Tile, Vector256<sbyte>, Q8Column>.Tile, Tiles<Q5_0TileVnniSign, SignedLevels, Q8Column>.Tile,
            Tiles<Q5_0Tile, Vector256<sbyte>, Q8Column>.Tile2, Tiles<Q5_0TileVnniSign, SignedLevels, Q8Column>.Tile2),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
