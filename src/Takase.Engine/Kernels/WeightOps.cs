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
        Check(w, x, columns, y);
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (byte* pa = Scratch(ActivationBytes(w) * columns))
        {
            var job = Prepare(w, px, columns, py, pa);
            Run(ref job, w.Rows, (long)w.Rows * w.Cols * columns);
        }
    }

    /// <summary>
    /// y1 = W1·x, y2 = W2·x (and y3 = W3·x) as one parallel step: the projections that read the same input (Q, K, V;
    /// gate and up) share one wake-up of the workers and one quantization of x per activation format.
    /// </summary>
    public static void MatVecShared(ReadOnlySpan<float> x, in Weight w1, Span<float> y1, in Weight w2, Span<float> y2,
        in Weight w3, Span<float> y3) => Shared(x, w1, y1, w2, y2, w3, y3, three: true);

    /// <inheritdoc cref="MatVecShared(ReadOnlySpan{float}, in Weight, Span{float}, in Weight, Span{float}, in Weight, Span{float})"/>
    public static void MatVecShared(ReadOnlySpan<float> x, in Weight w1, Span<float> y1, in Weight w2, Span<float> y2) =>
        Shared(x, w1, y1, w2, y2, w2, y2, three: false);

    private static void Shared(ReadOnlySpan<float> x, in Weight w1, Span<float> y1, in Weight w2, Span<float> y2,
        in Weight w3, Span<float> y3, bool three)
    {
        Check(w1, x, 1, y1);
        Check(w2, x, 1, y2);
        if (three) Check(w3, x, 1, y3);
        int a1 = ActivationBytes(w1), a2 = ActivationBytes(w2), a3 = three ? ActivationBytes(w3) : 0;
        fixed (float* px = x)
        fixed (float* p1 = y1)
        fixed (float* p2 = y2)
        fixed (float* p3 = y3)
        fixed (byte* pa = Scratch(a1 + a2 + a3))
        {
            var job = new SharedInputJob<MatMulJob>
            {
                First = Prepare(w1, px, 1, p1, pa),
                Second = Prepare(w2, px, 1, p2, pa + a1, reuse: SameFormat(w1, w2) ? pa : null),
                FirstCount = w1.Rows,
                SecondCount = w2.Rows,
            };
            long work = (long)w1.Rows * w1.Cols + (long)w2.Rows * w2.Cols;
            int rows = w1.Rows + w2.Rows;
            if (three)
            {
                byte* reuse = SameFormat(w1, w3) ? pa : SameFormat(w2, w3) ? job.Second.Activations : null;
                job.Third = Prepare(w3, px, 1, p3, pa + a1 + a2, reuse);
                work += (long)w3.Rows * w3.Cols;
                rows += w3.Rows;
            }
            Run(ref job, rows, work);
        }
    }

    internal static bool SameFormat(in Weight a, in Weight b) =>
        a.Cols == b.Cols && RowDots.For(a.Type.Type)?.Activation == RowDots.For(b.Type.Type)?.Activation;

    internal static int ActivationBytes(in Weight w) => RowDots.For(w.Type.Type)?.ActivationBytes(w.Cols) ?? w.Cols * sizeof(float);

    /// <summary>The <paramref name="columns"/> input vectors in <paramref name="w"/>'s activation format, one after
    /// another <see cref="ActivationBytes"/> apart: quantized for its row-dot kernel, copied as floats without one.</summary>
    internal static void PrepareColumns(in Weight w, float* x, int columns, byte* activations)
    {
        var kernel = RowDots.For(w.Type.Type);
        int actBytes = ActivationBytes(w);
        for (int c = 0; c < columns; c++)
        {
            if (kernel is null) Buffer.MemoryCopy(x + (long)c * w.Cols, activations + (long)c * actBytes, actBytes, actBytes);
            else kernel.Prepare(x + (long)c * w.Cols, w.Cols, activations + (long)c * actBytes);
        }
    }

    private static byte[] Scratch(int bytes)
    {
        var buffer = t_activations;
        if (buffer is null || buffer.Length < bytes) t_activations = buffer = new byte[Math.Max(bytes, 1 << 16)];
        return buffer;
    }

    /// <summary>Quantizes (or copies) the input columns into <paramref name="activations"/> — unless
    /// <paramref name="reuse"/> already holds them in this weight's format — and describes the product.</summary>
    private static MatMulJob Prepare(in Weight w, float* x, int columns, float* y, byte* activations, byte* reuse = null)
    {
        var kernel = RowDots.For(w.Type.Type);
        int actBytes = ActivationBytes(w);
        if (reuse != null) activations = reuse;
        else PrepareColumns(w, x, columns, activations);
        return new MatMulJob
        {
            Weights = w.Pointer,
            RowBytes = w.RowBytes,
            Cols = w.Cols,
            Activations = activations,
            ActivationStride = actBytes,
            Output = y,
            OutputStride = w.Rows,
            Columns = columns,
            Dot = kernel is null ? null : kernel.Dot,
            DotCount = kernel is null ? 0 : w.Cols / kernel.BlockSize,
            FallbackType = w.Type.Type,
        };
    }

    private static void Run<TJob>(ref TJob job, int rows, long work) where TJob : unmanaged, IRangeJob
    {
        int threads = work >= ParallelThreshold ? Threads : 1;
        if (threads <= 1)
        {
            job.Execute(0, rows);
            return;
        }
        // Several chunks per thread, so a thread slowed by other processes takes fewer of them.
        var chunk = Math.Max(4, rows / (threads * 16));
        WorkerPool.Shared(threads).Run(rows, chunk, ref job);
    }

    private static void Check(in Weight w, ReadOnlySpan<float> x, int columns, ReadOnlySpan<float> y)
    {
        if (x.Length < columns * w.Cols || y.Length < columns * w.Rows)
            throw new ArgumentException($"{w.Name}: {columns} column(s) need {columns * w.Cols} inputs and {columns * w.Rows} outputs; got {x.Length} and {y.Length}");
    }

    /// <summary>Dequantizes row <paramref name="row"/> of <paramref name="w"/> into <paramref name="dst"/>.</summary>
    public static void GetRow(in Weight w, int row, Span<float> dst) => w.Type.RequireDequantize()(w.Row(row), dst[..w.Cols]);
}
