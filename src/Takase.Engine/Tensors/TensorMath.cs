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
    /// <see cref="MatVec"/> with the rows split into chunks over the shared <see cref="Threading.WorkerPool"/> of <paramref name="threads"/> threads.
    /// Each row is computed by the same kernel as in the single-threaded version, so results are identical.
    /// </summary>
    public static unsafe void MatVecParallel(TensorTypeInfo type, ReadOnlySpan<byte> weights, int rows, int cols,
        ReadOnlySpan<float> x, Span<float> y, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        type.RequireDot(); // a clear error for types without kernels, before any thread starts
        int rowBytes = CheckShapes(type, weights.Length, rows, cols, x.Length, y.Length);
        int chunks = Math.Min(threads, rows);
        if (chunks <= 1)
        {
            MatVec(type, weights, rows, cols, x, y);
            return;
        }

        fixed (byte* pw = weights)
        fixed (float* px = x)
        fixed (float* py = y)
        {
            // The float dot of the type table on every row (Dot = null): the same kernel as MatVec, so equal results.
            var job = new Kernels.MatMulJob
            {
                Weights = pw,
                RowBytes = rowBytes,
                Cols = cols,
                Activations = (byte*)px,
                ActivationStride = cols * sizeof(float),
                Output = py,
                OutputStride = rows,
                Columns = 1,
                FallbackType = type.Type,
            };
            Threading.WorkerPool.Shared(threads).Run(rows, Math.Max(1, rows / (chunks * 8)), ref job);
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
