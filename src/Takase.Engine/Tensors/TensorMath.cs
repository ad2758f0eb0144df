namespace Takase.Engine.Tensors;

/// <summary>
/// Matrix-vector products over weights stored in any supported element type, read in place (no dequantized copy).
/// This is what the model code calls for every projection.
/// </summary>
public static class TensorMath
{
    /// <summary>
    /// y[r] = row r · x for <paramref name="rows"/> rows of <paramref name="cols"/> elements stored contiguously,
    /// each row <c>type.RowBytes(cols)</c> bytes (ggml's layout: ne0 = cols, ne1 = rows).
    /// </summary>
    public static void MatVec(TensorTypeInfo type, ReadOnlySpan<byte> weights, int rows, int cols, ReadOnlySpan<float> x, Span<float> y)
    {
        var dot = type.RequireDot();
        int rowBytes = CheckShapes(type, weights.Length, rows, cols, x.Length, y.Length);
        for (int r = 0; r < rows; r++)
            y[r] = dot(weights.Slice(r * rowBytes, rowBytes), x);
    }

    /// <summary>
    /// <see cref="MatVec"/> with the rows split into contiguous chunks over up to <paramref name="threads"/> threads.
    /// Each row is computed by the same kernel as in the single-threaded version, so results are identical.
    /// </summary>
    public static unsafe void MatVecParallel(TensorTypeInfo type, ReadOnlySpan<byte> weights, int rows, int cols,
        ReadOnlySpan<float> x, Span<float> y, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var dot = type.RequireDot();
        int rowBytes = CheckShapes(type, weights.Length, rows, cols, x.Length, y.Length);
        int chunks = Math.Min(threads, rows);
        if (chunks <= 1)
        {
            MatVec(type, weights, rows, cols, x, y);
            return;
        }

        // Spans cannot cross into the worker lambdas; the pinned addresses can, and stay valid until Parallel.For returns.
        fixed (byte* pw = weights)
        fixed (float* px = x)
        fixed (float* py = y)
        {
            nint w = (nint)pw, xv = (nint)px, yv = (nint)py;
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, chunk =>
            {
                int first = (int)((long)rows * chunk / chunks);
                int end = (int)((long)rows * (chunk + 1) / chunks);
                var xs = new ReadOnlySpan<float>((float*)xv, cols);
                var ys = new Span<float>((float*)yv, rows);
                for (int r = first; r < end; r++)
                    ys[r] = dot(new ReadOnlySpan<byte>((byte*)w + (long)r * rowBytes, rowBytes), xs);
            });
        }
    }

    private static int CheckShapes(TensorTypeInfo type, int weightBytes, int rows, int cols, int xLength, int yLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        long rowBytes = type.RowBytes(cols);
        if (weightBytes != rowBytes * rows)
            throw new ArgumentException(
                $"a {rows}×{cols} {type.Name} matrix takes {rowBytes * rows} bytes ({rowBytes} per row), but {weightBytes} bytes were given.");
        if (xLength != cols)
            throw new ArgumentException($"the vector has {xLength} elements but the {type.Name} matrix rows have {cols}.");
        if (yLength != rows)
            throw new ArgumentException($"the output has {yLength} elements but the {type.Name} matrix has {rows} rows.");
        return (int)rowBytes;
    }
}
