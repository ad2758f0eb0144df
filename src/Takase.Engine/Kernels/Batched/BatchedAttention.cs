using System.Numerics.Tensors;
using Takase.Engine.Threading;

namespace Takase.Engine.Kernels.Batched;

/// <summary>
/// Causal attention for a batch of query columns, each over its own sequence's KV cache (prompt tokens of one
/// sequence share a cache; decode steps of several sequences each have their own). One work item is one
/// (column, head) pair, so the pool splits both prompt tokens and heads; each item runs exactly the operations of
/// the single-token path (scores = q·k / √d, softmax, weighted sum of values), so batched and token-by-token
/// results are the same bit for bit.
/// </summary>
internal unsafe struct BatchedAttentionJob : IRangeJob
{
    public float* Queries;   // column c, head h at Queries + c·QDim + h·HeadDim
    public float* Output;    // same layout as Queries
    public float** Keys;     // per column: the layer's key rows of its cache (position t at t·KvDim)
    public float** Values;   // per column: the layer's value rows
    public int* Lengths;     // per column: positions it attends to, [0, length)
    public int Heads;
    public int HeadDim;
    public int QDim;
    public int KvDim;
    public int GroupSize;    // query heads per KV head
    public float Scale;

    // Per thread: the scores of the item in progress (grown, never shrunk).
    [ThreadStatic] private static float[]? t_scores;

    public readonly void Execute(int start, int end)
    {
        for (int item = start; item < end; item++)
        {
            int column = item / Heads, h = item % Heads;
            int length = Lengths[column];
            var scoresArray = t_scores;
            if (scoresArray is null || scoresArray.Length < length) t_scores = scoresArray = new float[Math.Max(length, 1024)];
            var scores = scoresArray.AsSpan(0, length);
            int kvOffset = h / GroupSize * HeadDim;
            var q = new ReadOnlySpan<float>(Queries + (long)column * QDim + h * HeadDim, HeadDim);
            float* keys = Keys[column] + kvOffset;
            float* values = Values[column] + kvOffset;
            for (int t = 0; t < length; t++)
                scores[t] = TensorPrimitives.Dot(q, new ReadOnlySpan<float>(keys + (long)t * KvDim, HeadDim)) * Scale;
            VectorOps.Softmax(scores);
            var outHead = new Span<float>(Output + (long)column * QDim + h * HeadDim, HeadDim);
            outHead.Clear();
            for (int t = 0; t < length; t++)
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(values + (long)t * KvDim, HeadDim), scores[t], outHead, outHead);
        }
    }

    /// <summary>Runs the <paramref name="columns"/> × heads items on the worker pool (on the caller alone when small).</summary>
    public void Run(int columns, int threads)
    {
        int items = columns * Heads;
        long work = 0;
        for (int c = 0; c < columns; c++) work += Lengths[c];
        work *= (long)Heads * HeadDim;
        // Waking workers costs microseconds: below ~64K multiply-adds one thread is quicker.
        if (threads <= 1 || work < 1 << 16)
        {
            Execute(0, items);
            return;
        }
        var chunk = Math.Max(1, items / (threads * 8));
        WorkerPool.Shared(threads).Run(items, chunk, ref this);
    }
}
