using System.Runtime.InteropServices;
using Takase.Engine.Kernels;
using Takase.Engine.Kernels.Batched;
using Takase.Engine.Models;
using Takase.Engine.Tensors;
using Takase.Engine.Tests.Tensors;

namespace Takase.Engine.Tests.Kernels.Batched;

/// <summary>
/// The tiled matrix–matrix kernels run the row dots' integer and float operations in the same order, so every output
/// must equal <see cref="WeightOps.MatMul"/>'s bit for bit — for any number of rows (odd ones included), columns
/// (groups of 4, a group of 2, a last odd one), row widths (even and odd block counts) and thread counts.
/// </summary>
public sealed unsafe class TiledMatMulTests
{
    [Theory]
    [InlineData(GgmlType.Q4_0, 37, 320, 13)]  // odd rows, 10 blocks, 3 column groups + 1
    [InlineData(GgmlType.Q4_0, 64, 224, 8)]   // 7 blocks (odd count), whole groups
    [InlineData(GgmlType.Q4_0, 300, 896, 6)]  // enough work for the worker pool
    [InlineData(GgmlType.Q8_0, 37, 320, 13)]
    [InlineData(GgmlType.Q8_0, 51, 224, 5)]
    [InlineData(GgmlType.Q8_0, 300, 896, 7)]
    [InlineData(GgmlType.Q5_0, 37, 320, 13)]
    [InlineData(GgmlType.Q5_0, 51, 224, 3)]
    [InlineData(GgmlType.Q5_0, 300, 896, 6)]
    [InlineData(GgmlType.Q4_0, 33, 320, 2)]   // the 2-column tile alone
    [InlineData(GgmlType.Q8_0, 33, 320, 3)]   // 2-column tile + 1
    [InlineData(GgmlType.Q4_K, 20, 256, 6)]   // no tile kernel: handed to WeightOps
    public void TilesEqualTheRowDots(GgmlType type, int rows, int cols, int columns)
    {
        Assert.SkipUnless(TiledMatMul.Supports(GgmlType.Q4_0), "no AVX2 on this CPU: the tiles are not used");
        var data = TensorTestData.RandomRow(type, cols * rows, seed: rows);
        var handle = GCHandle.Alloc(data, GCHandleType.Pinned);
        var saved = WeightOps.Threads;
        try
        {
            var w = new Weight((byte*)handle.AddrOfPinnedObject(), TensorTypes.Get(type), rows, cols, type.ToString());
            var x = TensorTestData.RandomVector(columns * cols, seed: cols);
            var expected = new float[columns * rows];
            WeightOps.MatMul(w, x, columns, expected);
            foreach (var threads in new[] { 1, 3 })
            {
                WeightOps.Threads = threads;
                var y = new float[columns * rows];
                TiledMatMul.MatMul(w, x, columns, y);
                Assert.Equal(expected, y);
            }
        }
        finally
        {
            WeightOps.Threads = saved;
            handle.Free();
        }
    }
}
