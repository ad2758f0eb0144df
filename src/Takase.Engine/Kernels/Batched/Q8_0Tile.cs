using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Batched;

/// <summary>
/// 2 rows of Q8_0 weights × 4 Q8 activation columns with AVX2: |w| is taken once per block and row for four
/// columns, each activation block loaded once for two rows (vpmaddubsw on |w| and a·sign(w), as
/// <see cref="Q8_0DotAvx2"/>). Even blocks, then odd ones, into separate sums added at the end: the float operations
/// of the single-column kernel in the same order, so every output equals its <see cref="Q8_0DotAvx2.Dot"/> bit for bit.
/// </summary>
internal static unsafe class Q8_0Tile
{
    /// <summary>y[c·yStride + r] = row r · column c for r &lt; 2, c &lt; 4; <paramref name="scales"/> as for
    /// <see cref="Q4_0Tile.Tile"/>.</summary>
    public static void Tile(byte* w, int rowBytes, float* scales, byte* a, int actStride, int blocks, float* y, int yStride)
    {
        var x0 = (BlockQ8_0*)w;
        var x1 = (BlockQ8_0*)(w + rowBytes);
        Pass(x0, x1, scales, a, actStride, 0, blocks, out var e00, out var e01, out var e02, out var e03, out var e10, out var e11, out var e12, out var e13);
        Pass(x0, x1, scales, a, actStride, 1, blocks, out var o00, out var o01, out var o02, out var o03, out var o10, out var o11, out var o12, out var o13);
        y[0] = Avx2Int8.HorizontalSum(Avx.Add(e00, o00));
        y[1] = Avx2Int8.HorizontalSum(Avx.Add(e10, o10));
        y[yStride] = Avx2Int8.HorizontalSum(Avx.Add(e01, o01));
        y[yStride + 1] = Avx2Int8.HorizontalSum(Avx.Add(e11, o11));
        y[2 * yStride] = Avx2Int8.HorizontalSum(Avx.Add(e02, o02));
        y[2 * yStride + 1] = Avx2Int8.HorizontalSum(Avx.Add(e12, o12));
        y[3 * yStride] = Avx2Int8.HorizontalSum(Avx.Add(e03, o03));
        y[3 * yStride + 1] = Avx2Int8.HorizontalSum(Avx.Add(e13, o13));
    }

    private static void Pass(BlockQ8_0* x0, BlockQ8_0* x1, float* scales, byte* a, int actStride, int first, int blocks,
        out Vector256<float> acc00, out Vector256<float> acc01, out Vector256<float> acc02, out Vector256<float> acc03,
        out Vector256<float> acc10, out Vector256<float> acc11, out Vector256<float> acc12, out Vector256<float> acc13)
    {
        var a0 = (ActivationBlockQ8*)a;
        var a1 = (ActivationBlockQ8*)(a + actStride);
        var a2 = (ActivationBlockQ8*)(a + 2 * actStride);
        var a3 = (ActivationBlockQ8*)(a + 3 * actStride);
        Vector256<float> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector256<float> s10 = default, s11 = default, s12 = default, s13 = default;
        Vector256<sbyte> y;
        float dy;
        for (int i = first; i < blocks; i += 2)
        {
            var w0 = Avx.LoadVector256((sbyte*)&x0[i].Qs);
            var w1 = Avx.LoadVector256((sbyte*)&x1[i].Qs);
            float d0 = scales[i], d1 = scales[blocks + i];
            y = Avx.LoadVector256((sbyte*)&a0[i].Qs);
            dy = a0[i].D;
            s00 = Mac(w0, d0, y, dy, s00);
            s10 = Mac(w1, d1, y, dy, s10);
            y = Avx.LoadVector256((sbyte*)&a1[i].Qs);
            dy = a1[i].D;
            s01 = Mac(w0, d0, y, dy, s01);
            s11 = Mac(w1, d1, y, dy, s11);
            y = Avx.LoadVector256((sbyte*)&a2[i].Qs);
            dy = a2[i].D;
            s02 = Mac(w0, d0, y, dy, s02);
            s12 = Mac(w1, d1, y, dy, s12);
            y = Avx.LoadVector256((sbyte*)&a3[i].Qs);
            dy = a3[i].D;
            s03 = Mac(w0, d0, y, dy, s03);
            s13 = Mac(w1, d1, y, dy, s13);
        }
        acc00 = s00; acc01 = s01; acc02 = s02; acc03 = s03;
        acc10 = s10; acc11 = s11; acc12 = s12; acc13 = s13;
    }

    /// <summary><see cref="Tile"/> for 2 columns (two or three sequences decoding together).</summary>
    public static void Tile2(byte* w, int rowBytes, float* scales, byte* a, int actStride, int blocks, float* y, int yStride)
    {
        var x0 = (BlockQ8_0*)w;
        var x1 = (BlockQ8_0*)(w + rowBytes);
        Pass2(x0, x1, scales, a, actStride, 0, blocks, out var e00, out var e01, out var e10, out var e11);
        Pass2(x0, x1, scales, a, actStride, 1, blocks, out var o00, out var o01, out var o10, out var o11);
        y[0] = Avx2Int8.HorizontalSum(Avx.Add(e00, o00));
        y[1] = Avx2Int8.HorizontalSum(Avx.Add(e10, o10));
        y[yStride] = Avx2Int8.HorizontalSum(Avx.Add(e01, o01));
        y[yStride + 1] = Avx2Int8.HorizontalSum(Avx.Add(e11, o11));
    }

    private static void Pass2(BlockQ8_0* x0, BlockQ8_0* x1, float* scales, byte* a, int actStride, int first, int blocks,
        out Vector256<float> acc00, out Vector256<float> acc01, out Vector256<float> acc10, out Vector256<float> acc11)
    {
        var a0 = (ActivationBlockQ8*)a;
        var a1 = (ActivationBlockQ8*)(a + actStride);
        Vector256<float> s00 = default, s01 = default, s10 = default, s11 = default;
        Vector256<sbyte> y;
        float dy;
        for (int i = first; i < blocks; i += 2)
        {
            var w0 = Avx.LoadVector256((sbyte*)&x0[i].Qs);
            var w1 = Avx.LoadVector256((sbyte*)&x1[i].Qs);
            float d0 = scales[i], d1 = scales[blocks + i];
            y = Avx.LoadVector256((sbyte*)&a0[i].Qs);
            dy = a0[i].D;
            s00 = Mac(w0, d0, y, dy, s00);
            s10 = Mac(w1, d1, y, dy, s10);
            y = Avx.LoadVector256((sbyte*)&a1[i].Qs);
            dy = a1[i].D;
            s01 = Mac(w0, d0, y, dy, s01);
            s11 = Mac(w1, d1, y, dy, s11);
        }
        acc00 = s00; acc01 = s01; acc10 = s10; acc11 = s11;
    }

    /// <summary>s + d·dy·Σw·y over one block; the accumulator by value so the JIT keeps it in a register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Mac(Vector256<sbyte> w, float d, Vector256<sbyte> y, float dy, Vector256<float> s) =>
        Fma.MultiplyAdd(Vector256.Create(d * dy), Avx.ConvertToVector256Single(Avx2Int8.MulSumPairs(w, y)), s);
}
