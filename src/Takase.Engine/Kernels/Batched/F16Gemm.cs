using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Models;
using Takase.Engine.Tensors;
using Takase.Engine.Threading;

namespace Takase.Engine.Kernels.Batched;

/// <summary>
/// y = W·X for F16 weights and several float columns (a prompt's tokens, several sequences' tokens): a float GEMM.
/// Each thread takes panels of weight rows, widens a panel to floats once into its own buffer (sized to stay in L2),
/// then passes every group of three input columns over the panel with a 2-row × 3-column register tile
/// (<see cref="F16GemmJob"/>). Per output it keeps <see cref="F16DotAvx2"/>'s summation order exactly, so results
/// equal the row dot's bit for bit and a prompt run in one batch equals the same tokens decoded one by one.
/// </summary>
internal static unsafe class F16Gemm
{
    /// <summary>Whether the GEMM runs on this CPU (AVX2 + FMA, like the row dot it must equal).</summary>
    public static bool Supported => RowDots.UseAvx2;

    /// <summary>
    /// Fewer columns go to the row dots (same bits): widening a panel to floats is a pass of its own, which the GEMM
    /// earns back only over enough columns. Measured on one Zen 3 core, 48640 × 896 weights from memory, CPU time:
    /// 2 columns 11.4 ms GEMM vs 5.7 ms row dots, 4 columns 13.8 vs 11.1, 6 columns 14.5 vs 16.6.
    /// </summary>
    public const int MinColumns = 5;

    // Below this many multiply-adds a product stays on the calling thread (as in TiledMatMul).
    private const long ParallelThreshold = 1 << 16;

    /// <summary>y[c] = W·x[c] for <paramref name="columns"/> inputs (x: columns × Cols, y: columns × Rows).</summary>
    public static void MatMul(in Weight w, ReadOnlySpan<float> x, int columns, Span<float> y)
    {
        Check(w, x, columns, y);
        fixed (float* px = x)
        fixed (float* py = y)
        {
            var job = Describe(w, px, columns, py);
            Run(ref job, job.Panels, (long)w.Rows * w.Cols * columns);
        }
    }

    /// <summary>y1 = W1·X, y2 = W2·X and y3 = W3·X (Q, K and V of a batch) as one parallel step.</summary>
    public static void MatMulShared(ReadOnlySpan<float> x, int columns, in Weight w1, Span<float> y1, in Weight w2, Span<float> y2,
        in Weight w3, Span<float> y3) => Shared(x, columns, w1, y1, w2, y2, w3, y3, three: true);

    /// <summary>y1 = W1·X and y2 = W2·X (gate and up of a batch) as one parallel step.</summary>
    public static void MatMulShared(ReadOnlySpan<float> x, int columns, in Weight w1, Span<float> y1, in Weight w2, Span<float> y2) =>
        Shared(x, columns, w1, y1, w2, y2, w2, y2, three: false);

    private static void Shared(ReadOnlySpan<float> x, int columns, in Weight w1, Span<float> y1, in Weight w2, Span<float> y2,
        in Weight w3, Span<float> y3, bool three)
    {
        Check(w1, x, columns, y1);
        Check(w2, x, columns, y2);
        if (three) Check(w3, x, columns, y3);
        fixed (float* px = x)
        fixed (float* p1 = y1)
        fixed (float* p2 = y2)
        fixed (float* p3 = y3)
        {
            var job = new SharedInputJob<F16GemmJob> { First = Describe(w1, px, columns, p1), Second = Describe(w2, px, columns, p2) };
            job.FirstCount = job.First.Panels;
            job.SecondCount = job.Second.Panels;
            long work = ((long)w1.Rows * w1.Cols + (long)w2.Rows * w2.Cols) * columns;
            int panels = job.FirstCount + job.SecondCount;
            if (three)
            {
                job.Third = Describe(w3, px, columns, p3);
                work += (long)w3.Rows * w3.Cols * columns;
                panels += job.Third.Panels;
            }
            Run(ref job, panels, work);
        }
    }

    private static F16GemmJob Describe(in Weight w, float* x, int columns, float* y)
    {
        if (w.Type.Type != GgmlType.F16) throw new ArgumentException($"{w.Name}: the F16 GEMM got a {w.Type.Type} weight");
        int panelRows = F16GemmJob.PanelRowsFor(w.Cols);
        return new F16GemmJob
        {
            Weights = w.Pointer,
            Rows = w.Rows,
            Cols = w.Cols,
            Input = x,
            Output = y,
            Columns = columns,
            PanelRows = panelRows,
            Panels = (w.Rows + panelRows - 1) / panelRows,
        };
    }

    private static void Run<TJob>(ref TJob job, int panels, long work) where TJob : unmanaged, IRangeJob
    {
        int threads = WeightOps.Threads;
        if (threads <= 1 || work < ParallelThreshold)
        {
            job.Execute(0, panels);
            return;
        }
        // One panel a chunk: panels are large (a panel is hundreds of kilobytes of floats), and a thread slowed by other
        // processes simply takes fewer.
        WorkerPool.Shared(threads).Run(panels, 1, ref job);
    }

    private static void Check(in Weight w, ReadOnlySpan<float> x, int columns, ReadOnlySpan<float> y)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        if (x.Length < columns * w.Cols || y.Length < columns * w.Rows)
            throw new ArgumentException($"{w.Name}: {columns} column(s) need {columns * w.Cols} inputs and {columns * w.Rows} outputs; got {x.Length} and {y.Length}");
    }
}
