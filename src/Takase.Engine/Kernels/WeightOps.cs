using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Models;
using Takase.Engine.Threading;

namespace Takase.Engine.Kernels;

/// <summary>
/// Matrix–vector (and matrix–matrix) products and row lookups over stored weights, in whatever type the type table
/// knows. Activations are quantized once per product to the 8-bit format of the weight type's integer kernel (what
/// ggml does for Q4_0, Q5_0, Q8_0 and the K-quants), then rows are split over the <see cref="WorkerPool"/>.
/// </summary>
public static unsafe class WeightOps
{
    // Below this many weights a matrix is done on the calling thread: waking workers costs more than it saves.
    private const long ParallelThreshold = 1 << 16;

    // Per calling thread: the prepared activations of the product in progress (grown, never shrunk).
    [ThreadStatic] private static byte[]? t_activations;

    /// <summary>Threads used for large matrix–vector products.</summary>
    public static int Threads { get; set; } = Environment.ProcessorCount;

    /// <summary>y = W·x, one output per row of <paramref name="w"/>.</summary>
    public static void MatVec(in Weight w, ReadOnlySpan<float> x, Span<float> y) => MatMul(w, x, 1, y);

    /// <summary>
    /// y[c] = W·x[c] for <paramref name="columns"/> vectors stored one after another (x: columns × Cols,
    /// y: columns × Rows). Each weight row is read once for all columns.
    /// </summary>
    public static void MatMul(in Weight w, ReadOnlySpan<float> x, int columns, Span<float> y)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        if (x.Length < columns * w.Cols || y.Length < columns * w.Rows)
            throw new ArgumentException($"{w.Name}: {columns} columns need {columns * w.Cols} inputs and {columns * w.Rows} outputs; got {x.Length} and {y.Length}");
        var kernel = RowDots.For(w.Type.Type);
        int actBytes = kernel?.ActivationBytes(w.Cols) ?? w.Cols * sizeof(float);
        var buffer = t_activations;
        if (buffer is null || buffer.Length < actBytes * columns) t_activations = buffer = new byte[Math.Max(actBytes * columns, 1 << 16)];
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (byte* pa = buffer)
        fixed (byte* pw = w.Bytes)
        {
            for (int c = 0; c < columns; c++)
            {
                if (kernel is null) Buffer.MemoryCopy(px + (long)c * w.Cols, pa + (long)c * actBytes, actBytes, actBytes);
                else kernel.Prepare(px + (long)c * w.Cols, w.Cols, pa + (long)c * actBytes);
            }
            var job = new MatMulJob
            {
                Weights = pw,
                RowBytes = w.RowBytes,
                Cols = w.Cols,
                Activations = pa,
                ActivationStride = actBytes,
                Output = py,
                OutputStride = w.Rows,
                Columns = columns,
                Dot = kernel is null ? null : kernel.Dot,
                DotCount = kernel is null ? 0 : w.Cols / kernel.BlockSize,
                FallbackType = w.Type.Type,
            };
            int threads = (long)w.Rows * w.Cols * columns >= ParallelThreshold ? Threads : 1;
            if (threads <= 1)
            {
                job.Execute(0, w.Rows);
                return;
            }
            // Chunks several per thread, so a thread slowed by other processes takes fewer of them.
            var chunk = Math.Max(4, w.Rows / (threads * 16));
            WorkerPool.Shared(threads).Run(w.Rows, chunk, ref job);
        }
    }

    /// <summary>Dequantizes row <paramref name="row"/> of <paramref name="w"/> into <paramref name="dst"/>.</summary>
    public static void GetRow(in Weight w, int row, Span<float> dst) => w.Type.RequireDequantize()(w.Row(row), dst[..w.Cols]);
}
