using Takase.Engine.Models;
using Takase.Engine.Tensors;

namespace Takase.Engine.Kernels;

/// <summary>Matrix–vector products and row lookups over stored weights, in whatever type the type table knows.</summary>
public static class WeightOps
{
    // Below this many weights a matrix is done on the calling thread: waking workers costs more than it saves.
    private const long ParallelThreshold = 1 << 18;

    /// <summary>Threads used for large matrix–vector products.</summary>
    public static int Threads { get; set; } = Environment.ProcessorCount;

    /// <summary>y = W·x, one output per row of <paramref name="w"/>.</summary>
    public static void MatVec(in Weight w, ReadOnlySpan<float> x, Span<float> y)
    {
        if ((long)w.Rows * w.Cols >= ParallelThreshold && Threads > 1)
            TensorMath.MatVecParallel(w.Type, w.Bytes, w.Rows, w.Cols, x[..w.Cols], y[..w.Rows], Threads);
        else
            TensorMath.MatVec(w.Type, w.Bytes, w.Rows, w.Cols, x[..w.Cols], y[..w.Rows]);
    }

    /// <summary>Dequantizes row <paramref name="row"/> of <paramref name="w"/> into <paramref name="dst"/>.</summary>
    public static void GetRow(in Weight w, int row, Span<float> dst) => w.Type.RequireDequantize()(w.Row(row), dst[..w.Cols]);
}
