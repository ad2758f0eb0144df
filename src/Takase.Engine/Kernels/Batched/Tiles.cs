using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Kernels.Quantized;

namespace Takase.Engine.Kernels.Batched;

/// <summary>
/// One weight format's part of a tile: unpack a block of one row once (for every column), prepare an activation
/// block once (for both rows), and multiply-accumulate one pair. <see cref="Tiles{TFormat,TWeights,TColumn}"/> does
/// the rest the same way for every format.
/// </summary>
internal unsafe interface ITileFormat<TWeights, TColumn>
{
    /// <summary>The levels of block <paramref name="block"/> of the row at <paramref name="row"/>.</summary>
    static abstract TWeights Unpack(byte* row, int block);

    /// <summary>One activation block, with whatever the format needs per column.</summary>
    static abstract TColumn Column(ActivationBlockQ8* a);

    /// <summary>s + *scale·Σw·y over one block (*scale = d_w·d_y, precomputed; broadcast straight from memory), in
    /// the float order of the format's single-column row dot.</summary>
    static abstract Vector256<float> Mac(TWeights w, float* scale, TColumn y, Vector256<float> s);
}

/// <summary>
/// 2 rows of weights × 4 (or 2) Q8 activation columns with AVX2: each weight block is unpacked once for all columns
/// and each activation block prepared once for both rows. Even blocks are summed first, then odd ones, into separate
/// sums added at the end — the float operations of the single-column row dots in the same order, so every output
/// equals its row dot bit for bit. The products d_w·d_y of every (row, column, block) are made first, eight at a
/// time, so the inner loop broadcasts each from memory instead of multiplying and broadcasting in registers (two of
/// the seven vector operations per row, column and block). Generic over the format (a struct), so the JIT compiles
/// one specialised kernel per format with the format's code inlined.
/// </summary>
internal static unsafe class Tiles<TFormat, TWeights, TColumn>
    where TFormat : struct, ITileFormat<TWeights, TColumn>
{
    /// <summary>y[c·yStride + r] = row r · column c for r &lt; 2, c &lt; 4; rows <paramref name="rowBytes"/> apart,
    /// activation columns <paramref name="actStride"/> bytes apart; <paramref name="scales"/> holds the rows' block
    /// scales as floats (row 0's blocks, then row 1's), converted once for all column groups, and
    /// <paramref name="columnScales"/> the columns' (column c's blocks at c·blocks).</summary>
    [SkipLocalsInit]
    public static void Tile(byte* w, int rowBytes, float* scales, byte* a, int actStride, float* columnScales, int blocks, float* y, int yStride)
    {
        float* products = stackalloc float[8 * blocks];
        Products(scales, columnScales, 4, blocks, products);
        Pass(w, rowBytes, products, a, actStride, 0, blocks, out var e00, out var e01, out var e02, out var e03, out var e10, out var e11, out var e12, out var e13);
        Pass(w, rowBytes, products, a, actStride, 1, blocks, out var o00, out var o01, out var o02, out var o03, out var o10, out var o11, out var o12, out var o13);
        y[0] = Avx2Int8.HorizontalSum(Avx.Add(e00, o00));
        y[1] = Avx2Int8.HorizontalSum(Avx.Add(e10, o10));
        y[yStride] = Avx2Int8.HorizontalSum(Avx.Add(e01, o01));
        y[yStride + 1] = Avx2Int8.HorizontalSum(Avx.Add(e11, o11));
        y[2 * yStride] = Avx2Int8.HorizontalSum(Avx.Add(e02, o02));
        y[2 * yStride + 1] = Avx2Int8.HorizontalSum(Avx.Add(e12, o12));
        y[3 * yStride] = Avx2Int8.HorizontalSum(Avx.Add(e03, o03));
        y[3 * yStride + 1] = Avx2Int8.HorizontalSum(Avx.Add(e13, o13));
    }

    /// <summary>products[(2c + r)·blocks + i] = scales[r·blocks + i] · columnScales[c·blocks + i] for 2 rows × <paramref name="columns"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Products(float* scales, float* columnScales, int columns, int blocks, float* products)
    {
        for (int c = 0; c < columns; c++)
            for (int r = 0; r < 2; r++)
            {
                float* d = scales + r * blocks, dy = columnScales + c * blocks, p = products + (2 * c + r) * blocks;
                int i = 0;
                for (; i + 8 <= blocks; i += 8) Avx.Multiply(Avx.LoadVector256(d + i), Avx.LoadVector256(dy + i)).Store(p + i);
                for (; i < blocks; i++) p[i] = d[i] * dy[i];
            }
    }

    /// <summary>Sums blocks first, first + 2, … of the 8 products (acc rc: row r, column c).</summary>
    private static void Pass(byte* w, int rowBytes, float* p, byte* a, int actStride, int first, int blocks,
        out Vector256<float> acc00, out Vector256<float> acc01, out Vector256<float> acc02, out Vector256<float> acc03,
        out Vector256<float> acc10, out Vector256<float> acc11, out Vector256<float> acc12, out Vector256<float> acc13)
    {
        var a0 = (ActivationBlockQ8*)a;
        var a1 = (ActivationBlockQ8*)(a + actStride);
        var a2 = (ActivationBlockQ8*)(a + 2 * actStride);
        var a3 = (ActivationBlockQ8*)(a + 3 * actStride);
        Vector256<float> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector256<float> s10 = default, s11 = default, s12 = default, s13 = default;
        for (int i = first; i < blocks; i += 2)
        {
            var w0 = TFormat.Unpack(w, i);
            var w1 = TFormat.Unpack(w + rowBytes, i);
            float* pi = p + i;
            var c = TFormat.Column(a0 + i);
            s00 = TFormat.Mac(w0, pi, c, s00);
            s10 = TFormat.Mac(w1, pi + blocks, c, s10);
            c = TFormat.Column(a1 + i);
            s01 = TFormat.Mac(w0, pi + 2 * blocks, c, s01);
            s11 = TFormat.Mac(w1, pi + 3 * blocks, c, s11);
            c = TFormat.Column(a2 + i);
            s02 = TFormat.Mac(w0, pi + 4 * blocks, c, s02);
            s12 = TFormat.Mac(w1, pi + 5 * blocks, c, s12);
            c = TFormat.Column(a3 + i);
            s03 = TFormat.Mac(w0, pi + 6 * blocks, c, s03);
            s13 = TFormat.Mac(w1, pi + 7 * blocks, c, s13);
        }
        acc00 = s00; acc01 = s01; acc02 = s02; acc03 = s03;
        acc10 = s10; acc11 = s11; acc12 = s12; acc13 = s13;
    }

    /// <summary><see cref="Tile"/> for 2 columns (two or three sequences decoding together).</summary>
    [SkipLocalsInit]
    public static void Tile2(byte* w, int rowBytes, float* scales, byte* a, int actStride, float* columnScales, int blocks, float* y, int yStride)
    {
        float* products = stackalloc float[4 * blocks];
        Products(scales, columnScales, 2, blocks, products);
        Pass2(w, rowBytes, products, a, actStride, 0, blocks, out var e00, out var e01, out var e10, out var e11);
        Pass2(w, rowBytes, products, a, actStride, 1, blocks, out var o00, out var o01, out var o10, out var o11);
        y[0] = Avx2Int8.HorizontalSum(Avx.Add(e00, o00));
        y[1] = Avx2Int8.HorizontalSum(Avx.Add(e10, o10));
        y[yStride] = Avx2Int8.HorizontalSum(Avx.Add(e01, o01));
        y[yStride + 1] = Avx2Int8.HorizontalSum(Avx.Add(e11, o11));
    }

    private static void Pass2(byte* w, int rowBytes, float* p, byte* a, int actStride, int first, int blocks,
        out Vector256<float> acc00, out Vector256<float> acc01, out Vector256<float> acc10, out Vector256<float> acc11)
    {
        var a0 = (ActivationBlockQ8*)a;
        var a1 = (ActivationBlockQ8*)(a + actStride);
        Vector256<float> s00 = default, s01 = default, s10 = default, s11 = default;
        for (int i = first; i < blocks; i += 2)
        {
            var w0 = TFormat.Unpack(w, i);
            var w1 = TFormat.Unpack(w + rowBytes, i);
            float* pi = p + i;
            var c = TFormat.Column(a0 + i);
            s00 = TFormat.Mac(w0, pi, c, s00);
            s10 = TFormat.Mac(w1, pi + blocks, c, s10);
            c = TFormat.Column(a1 + i);
            s01 = TFormat.Mac(w0, pi + 2 * blocks, c, s01);
            s11 = TFormat.Mac(w1, pi + 3 * blocks, c, s11);
        }
        acc00 = s00; acc01 = s01; acc10 = s10; acc11 = s11;
    }
}

/// <summary>An activation block as most formats use it: its 32 levels (its scale is in the tile's products).</summary>
internal readonly record struct Q8Column(Vector256<sbyte> Y);
