using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Takase.Engine.Kernels;
using Takase.Engine.Kernels.Batched;
using Takase.Engine.Models;
using Takase.Engine.Tensors;
using Takase.Engine.Tests.Tensors;

namespace Takase.Engine.Tests.Kernels;

/// <summary>
/// The F16 GEMM keeps the F16 row dot's summation order for every output, so it must equal
/// <see cref="WeightOps.MatMul"/> (one row dot per output) bit for bit: for odd rows and partial panels, column counts
/// that leave 1 or 2 columns after the groups of 3, rows not a multiple of 16 (the one-by-one tail), rows longer than a
/// block (the accumulators saved and restored between blocks), rows holding infinities or NaNs, and 1 or 3 threads.
/// </summary>
public sealed unsafe class F16GemmTests
{
    [Theory]
    [InlineData(37, 40, 7)]      // odd rows, a 8-element tail, 2 groups of 3 + 1
    [InlineData(5, 7, 4)]        // shorter than one 16-element step: all tail
    [InlineData(300, 896, 8)]    // several panels (the last partial), 2 groups + 2; the worker pool
    [InlineData(64, 2080, 5)]    // three blocks, the last of 32 elements
    [InlineData(27, 4867, 3)]    // blocks, a 3-element tail, panels of 12 rows with an odd last one
    [InlineData(33, 16, 2)]      // the 2-column tile alone
    public void GemmEqualsTheRowDots(int rows, int cols, int columns)
    {
        Assert.SkipUnless(F16Gemm.Supported, "no AVX2 + FMA on this CPU: the F16 GEMM is not used");
        var data = TensorTestData.RandomRow(GgmlType.F16, rows * cols, seed: rows + cols);
        Check(data, rows, cols, columns);
    }

    [Fact]
    public void RowsWithInfinitiesAndNaNsEqualTheRowDots()
    {
        Assert.SkipUnless(F16Gemm.Supported, "no AVX2 + FMA on this CPU: the F16 GEMM is not used");
        const int rows = 9, cols = 100;
        var data = TensorTestData.RandomRow(GgmlType.F16, rows * cols, seed: 3);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2 * (1 * cols + 20)), 0x7C00); // +inf in row 1
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2 * (4 * cols + 99)), 0x7E00); // NaN in row 4's tail
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2 * (6 * cols + 3)), 0x0001);  // a subnormal in row 6
        var y = Check(data, rows, cols, columns: 4);
        Assert.True(float.IsInfinity(y[1]));
        Assert.True(float.IsNaN(y[4]));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(2)]
    public void SharedInputProductsEqualSeparateOnes(int columns)
    {
        Assert.SkipUnless(F16Gemm.Supported, "no AVX2 + FMA on this CPU: the F16 GEMM is not used");
        const int cols = 320;
        int[] rows = [301, 64, 129];
        var handles = new GCHandle[3];
        var saved = WeightOps.Threads;
        try
        {
            var w = new Weight[3];
            for (var i = 0; i < 3; i++)
            {
                handles[i] = GCHandle.Alloc(TensorTestData.RandomRow(GgmlType.F16, cols * rows[i], seed: 21 + i), GCHandleType.Pinned);
                w[i] = new Weight((byte*)handles[i].AddrOfPinnedObject(), TensorTypes.Get(GgmlType.F16), rows[i], cols, $"w{i}");
            }
            var x = TensorTestData.RandomVector(columns * cols, seed: 6);
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
                F16Gemm.MatMulShared(x, columns, w[0], y[0], w[1], y[1], w[2], y[2]);
                for (var i = 0; i < 3; i++) Assert.Equal(expected[i], y[i]);
                var pair = new[] { new float[columns * rows[0]], new float[columns * rows[1]] };
                F16Gemm.MatMulShared(x, columns, w[0], pair[0], w[1], pair[1]);
                Assert.Equal(expected[0], pair[0]);
                Assert.Equal(expected[1], pair[1]);
                // The model's entry point: the GEMM from MinColumns columns, the row dots below.
                var routed = new[] { new float[columns * rows[0]], new float[columns * rows[1]], new float[columns * rows[2]] };
                TiledMatMul.MatMulShared(x, columns, w[0], routed[0], w[1], routed[1], w[2], routed[2]);
                for (var i = 0; i < 3; i++) Assert.Equal(expected[i], routed[i]);
            }
        }
        finally
        {
            WeightOps.Threads = saved;
            foreach (var h in handles) if (h.IsAllocated) h.Free();
        }
    }

    /// <summary>The GEMM, and <see cref="TiledMatMul"/> (which routes to it from <see cref="F16Gemm.MinColumns"/>
    /// columns), against the row dots at 1 and 3 threads; returns the first column.</summary>
    private static float[] Check(byte[] data, int rows, int cols, int columns)
    {
        var handle = GCHandle.Alloc(data, GCHandleType.Pinned);
        var saved = WeightOps.Threads;
        try
        {
            var w = new Weight((byte*)handle.AddrOfPinnedObject(), TensorTypes.Get(GgmlType.F16), rows, cols, "f16");
            var x = TensorTestData.RandomVector(columns * cols, seed: cols);
            var expected = new float[columns * rows];
            WeightOps.MatMul(w, x, columns, expected);
            foreach (var threads in new[] { 1, 3 })
            {
                WeightOps.Threads = threads;
                var gemm = new float[columns * rows];
                F16Gemm.MatMul(w, x, columns, gemm);
                var routed = new float[columns * rows];
                TiledMatMul.MatMul(w, x, columns, routed);
                for (int i = 0; i < gemm.Length; i++)
                {
                    Assert.True(BitConverter.SingleToUInt32Bits(expected[i]) == BitConverter.SingleToUInt32Bits(gemm[i]),
                        $"column {i / rows}, row {i % rows}: GEMM {gemm[i]:R}, row dot {expected[i]:R} ({threads} threads)");
                    Assert.Equal(BitConverter.SingleToUInt32Bits(expected[i]), BitConverter.SingleToUInt32Bits(routed[i]));
                }
            }
            return expected[..rows];
        }
        finally
        {
            WeightOps.Threads = saved;
            handle.Free();
        }
    }
}
