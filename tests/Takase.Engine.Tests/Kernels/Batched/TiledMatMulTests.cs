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
    [InlineData(GgmlType.Q4_K, 20, 256, 6)]   // super-block format: the K-quant tile
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

    /// <summary>Q, K, V (and gate, up) as one step: each output equals its own <see cref="WeightOps.MatMul"/> bit for
    /// bit, whether the matrices share one activation format or not, and for one column (the decode path).</summary>
    [Theory]
    [InlineData(GgmlType.Q4_0, GgmlType.Q4_0, GgmlType.Q4_0, 5)]
    [InlineData(GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q5_0, 7)]   // same format, different kernels
    [InlineData(GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q8_0, 4)]   // two activation formats in one step
    [InlineData(GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_0, 1)]   // one column: the shared row-dot step
    public void SharedInputProductsEqualSeparateOnes(GgmlType t1, GgmlType t2, GgmlType t3, int columns)
    {
        Assert.SkipUnless(TiledMatMul.Supports(GgmlType.Q4_0), "no AVX2 on this CPU: the tiles are not used");
        const int cols = 512;
        int[] rows = [301, 64, 129];
        GgmlType[] types = [t1, t2, t3];
        var handles = new GCHandle[3];
        var saved = WeightOps.Threads;
        try
        {
            var w = new Weight[3];
            for (var i = 0; i < 3; i++)
            {
                handles[i] = GCHandle.Alloc(TensorTestData.RandomRow(types[i], cols * rows[i], seed: 11 + i), GCHandleType.Pinned);
                w[i] = new Weight((byte*)handles[i].AddrOfPinnedObject(), TensorTypes.Get(types[i]), rows[i], cols, $"w{i}");
            }
            var x = TensorTestData.RandomVector(columns * cols, seed: 5);
            var expected = new float[3][];
            for (var i = 0; i < 3; i++)
            {
                expected[i] = new float[columns * rows[i]];
                WeightOps.MatMul(w[i], x, columns, expected[i]);
            }
            foreach (var threads in new[] { 1, 3 })
            {
                WeightOps.Threads = threads;
                var y = new[] { new float[columns * rows[0]], new float[columns * rows[1]], new float[columns * rows[2]] };
                TiledMatMul.MatMulShared(x, columns, w[0], y[0], w[1], y[1], w[2], y[2]);
                for (var i = 0; i < 3; i++) Assert.Equal(expected[i], y[i]);
                var pair = new[] { new float[columns * rows[0]], new float[columns * rows[1]] };
                TiledMatMul.MatMulShared(x, columns, w[0], pair[0], w[1], pair[1]);
                Assert.Equal(expected[0], pair[0]);
                Assert.Equal(expected[1], pair[1]);
            }
        }
        finally
        {
            WeightOps.Threads = saved;
            foreach (var h in handles) if (h.IsAllocated) h.Free();
        }
    }
}
