using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Threading;

namespace Takase.Engine.Kernels.Batched;

/// <summary>
/// Row panels [start, end) of an <see cref="F16Gemm"/> product. A panel (<see cref="PanelRows"/> rows, sized so its
/// floats stay in L2) is widened once; then for each group of three columns, the row dimension is cut into blocks of
/// <see cref="BlockElements"/> (three columns' block stays in L1 while every row pair of the panel passes over it),
/// and a 2-row × 3-column tile of twelve accumulators multiplies. The accumulators of every row pair are kept between
/// blocks in a small state area — storing a float is exact, so blocking does not change a single bit — and summed
/// horizontally after the last block in <see cref="F16DotAvx2"/>'s order (a + b, then the tail one element at a time).
/// </summary>
internal unsafe struct F16GemmJob : IRangeJob
{
    /// <summary>Bytes of widened floats per panel: half of Zen 3's 512 KiB L2, the rest for the columns and state.</summary>
    private const int PanelBytes = 256 * 1024;
    /// <summary>Elements per block of the row dimension: three columns' block is 12 KiB, inside a 32 KiB L1.</summary>
    private const int BlockElements = 1024;
    /// <summary>Floats of accumulator state per row pair: 2 rows × 3 columns × 2 vectors (a, b) × 8 lanes.</summary>
    private const int StateFloats = 2 * 3 * 2 * 8;

    // Per thread (the worker pool's threads live as long as the process): the widened panel.
    [ThreadStatic] private static float[]? t_panel;

    public byte* Weights;         // F16 rows of Cols halves
    public int Rows;
    public int Cols;
    public float* Input;          // column c at Input + c·Cols
    public float* Output;         // column c at Output + c·Rows
    public int Columns;
    public int PanelRows;
    public int Panels;

    /// <summary>Rows per panel for rows of <paramref name="cols"/> elements: even, 2 to 64.</summary>
    public static int PanelRowsFor(int cols) => Math.Clamp(PanelBytes / (cols * sizeof(float)) & ~1, 2, 64);

    [SkipLocalsInit]
    public readonly void Execute(int start, int end)
    {
        float* panel = PanelBuffer(PanelRows * Cols);
        float* state = stackalloc float[PanelRows / 2 * StateFloats];
        for (int p = start; p < end; p++)
        {
            int r0 = p * PanelRows, rows = Math.Min(PanelRows, Rows - r0);
            for (int r = 0; r < rows; r++) Widen((ushort*)(Weights + (long)(r0 + r) * Cols * 2), Cols, panel + (long)r * Cols);
            for (int c = 0; c < Columns; c += 3) MultiplyPanel(panel, rows, r0, c, Math.Min(3, Columns - c), state);
        }
    }

    /// <summary>Output rows [r0, r0 + rows) of columns [c, c + columns) from the widened panel.</summary>
    private readonly void MultiplyPanel(float* panel, int rows, int r0, int c, int columns, float* state)
    {
        int full = Cols & ~15;
        float* x = Input + (long)c * Cols;
        new Span<float>(state, (rows + 1) / 2 * StateFloats).Clear();
        for (int k = 0; k < full; k += BlockElements)
        {
            int steps = Math.Min(BlockElements, full - k) / 16;
            for (int pr = 0; pr < rows; pr += 2)
                Tile(Math.Min(2, rows - pr), columns, panel + (long)pr * Cols + k, x + k, Cols, steps, state + pr / 2 * StateFloats);
        }
        for (int r = 0; r < rows; r++)
        {
            float* s = state + r / 2 * StateFloats + r % 2 * (StateFloats / 2);
            float* w = panel + (long)r * Cols;
            for (int j = 0; j < columns; j++)
            {
                float* xj = x + (long)j * Cols;
                float sum = Avx2Int8.HorizontalSum(Avx.Add(Avx.LoadVector256(s + j * 16), Avx.LoadVector256(s + j * 16 + 8)));
                for (int i = full; i < Cols; i++) sum += w[i] * xj[i];
                Output[(long)(c + j) * Rows + r0 + r] = sum;
            }
        }
    }

    private static void Tile(int rows, int columns, float* w, float* x, int stride, int steps, float* state)
    {
        if (rows == 2)
        {
            if (columns == 3) Tile<Size2, Size3>(w, x, stride, steps, state);
            else if (columns == 2) Tile<Size2, Size2>(w, x, stride, steps, state);
            else Tile<Size2, Size1>(w, x, stride, steps, state);
        }
        else
        {
            if (columns == 3) Tile<Size1, Size3>(w, x, stride, steps, state);
            else if (columns == 2) Tile<Size1, Size2>(w, x, stride, steps, state);
            else Tile<Size1, Size1>(w, x, stride, steps, state);
        }
    }

    /// <summary>
    /// TR rows × TC columns (each up to 2 × 3) over <paramref name="steps"/> 16-element steps: per step, the first
    /// eight elements of each row times each column into that output's accumulator a, the next eight into b. Rows are
    /// <paramref name="stride"/> floats apart in the panel, columns as far apart in the input. The state holds output
    /// (r, c)'s a at (r·3 + c)·16 and b eight floats on. The generic sizes are constants to the JIT, which drops the
    /// unused accumulators, so one body serves the full tile and the edge tiles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TR, TC>(float* w, float* x, int stride, int steps, float* state)
        where TR : struct, ITileSize where TC : struct, ITileSize
    {
        float* w0 = w, w1 = w + stride, x0 = x, x1 = x + stride, x2 = x + 2 * stride;
        float* s0 = state, s1 = state + 48;
        var a00 = Avx.LoadVector256(s0);
        var b00 = Avx.LoadVector256(s0 + 8);
        var a01 = TC.Count > 1 ? Avx.LoadVector256(s0 + 16) : default;
        var b01 = TC.Count > 1 ? Avx.LoadVector256(s0 + 24) : default;
        var a02 = TC.Count > 2 ? Avx.LoadVector256(s0 + 32) : default;
        var b02 = TC.Count > 2 ? Avx.LoadVector256(s0 + 40) : default;
        var a10 = TR.Count > 1 ? Avx.LoadVector256(s1) : default;
        var b10 = TR.Count > 1 ? Avx.LoadVector256(s1 + 8) : default;
        var a11 = TR.Count > 1 && TC.Count > 1 ? Avx.LoadVector256(s1 + 16) : default;
        var b11 = TR.Count > 1 && TC.Count > 1 ? Avx.LoadVector256(s1 + 24) : default;
        var a12 = TR.Count > 1 && TC.Count > 2 ? Avx.LoadVector256(s1 + 32) : default;
        var b12 = TR.Count > 1 && TC.Count > 2 ? Avx.LoadVector256(s1 + 40) : default;
        for (int i = 0, n = steps * 16; i < n; i += 16)
        {
            // First halves: two row vectors live, each column's vector loaded once for both rows.
            var r0 = Avx.LoadVector256(w0 + i);
            var r1 = TR.Count > 1 ? Avx.LoadVector256(w1 + i) : default;
            var v = Avx.LoadVector256(x0 + i);
            a00 = Fma.MultiplyAdd(r0, v, a00);
            if (TR.Count > 1) a10 = Fma.MultiplyAdd(r1, v, a10);
            if (TC.Count > 1)
            {
                v = Avx.LoadVector256(x1 + i);
                a01 = Fma.MultiplyAdd(r0, v, a01);
                if (TR.Count > 1) a11 = Fma.MultiplyAdd(r1, v, a11);
            }
            if (TC.Count > 2)
            {
                v = Avx.LoadVector256(x2 + i);
                a02 = Fma.MultiplyAdd(r0, v, a02);
                if (TR.Count > 1) a12 = Fma.MultiplyAdd(r1, v, a12);
            }
            // Second halves.
            r0 = Avx.LoadVector256(w0 + i + 8);
            if (TR.Count > 1) r1 = Avx.LoadVector256(w1 + i + 8);
            v = Avx.LoadVector256(x0 + i + 8);
            b00 = Fma.MultiplyAdd(r0, v, b00);
            if (TR.Count > 1) b10 = Fma.MultiplyAdd(r1, v, b10);
            if (TC.Count > 1)
            {
                v = Avx.LoadVector256(x1 + i + 8);
                b01 = Fma.MultiplyAdd(r0, v, b01);
                if (TR.Count > 1) b11 = Fma.MultiplyAdd(r1, v, b11);
            }
            if (TC.Count > 2)
            {
                v = Avx.LoadVector256(x2 + i + 8);
                b02 = Fma.MultiplyAdd(r0, v, b02);
                if (TR.Count > 1) b12 = Fma.MultiplyAdd(r1, v, b12);
            }
        }
        Avx.Store(s0, a00);
        Avx.Store(s0 + 8, b00);
        if (TC.Count > 1) { Avx.Store(s0 + 16, a01); Avx.Store(s0 + 24, b01); }
        if (TC.Count > 2) { Avx.Store(s0 + 32, a02); Avx.Store(s0 + 40, b02); }
        if (TR.Count > 1)
        {
            Avx.Store(s1, a10);
            Avx.Store(s1 + 8, b10);
            if (TC.Count > 1) { Avx.Store(s1 + 16, a11); Avx.Store(s1 + 24, b11); }
            if (TC.Count > 2) { Avx.Store(s1 + 32, a12); Avx.Store(s1 + 40, b12); }
        }
    }

    /// <summary>Size1 F16 row → floats: the fast conversion, or the exact one when the row holds an infinity or NaN
    /// (the values are then those <see cref="F16DotAvx2"/> multiplies with either way).</summary>
    private static void Widen(ushort* h, int n, float* dst)
    {
        var max = Vector256<ushort>.Zero;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            max = HalfBits.MaxMagnitude(max, Avx.LoadVector256(h + i));
            HalfBits.ToFloatFinite(Avx2.ConvertToVector256Int32((short*)h + i)).Store(dst + i);
            HalfBits.ToFloatFinite(Avx2.ConvertToVector256Int32((short*)h + i + 8)).Store(dst + i + 8);
        }
        if (HalfBits.HasSpecial(max))
            for (i = 0; i + 8 <= n; i += 8) HalfBits.ToFloat(Avx2.ConvertToVector256Int32(h + i).AsUInt32()).Store(dst + i);
        for (; i < n; i++) dst[i] = HalfBits.ToFloat(h[i]);
    }

    /// <summary>This thread's panel buffer of at least <paramref name="floats"/>, 64-byte aligned (pinned, so the
    /// pointer stays valid; grown, never shrunk).</summary>
    private static float* PanelBuffer(int floats)
    {
        var buffer = t_panel;
        if (buffer is null || buffer.Length < floats + 16) t_panel = buffer = GC.AllocateUninitializedArray<float>(floats + 16, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((address + 63) & ~(nint)63);
    }
}

/// <summary>A tile dimension known to the JIT as a constant (the <see cref="F16GemmJob"/> tile's rows and columns).</summary>
internal interface ITileSize
{
    static abstract int Count { get; }
}

internal readonly struct Size1 : ITileSize
{
    public static int Count => 1;
}

internal readonly struct Size2 : ITileSize
{
    public static int Count => 2;
}

internal readonly struct Size3 : ITileSize
{
    public static int Count => 3;
}
