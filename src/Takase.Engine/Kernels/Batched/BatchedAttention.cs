using Takase.Engine.Threading;

namespace Takase.Engine.Kernels.Batched;

/// <summary>
/// Causal attention for a batch of query columns, each over its own sequence's KV cache (prompt tokens of one
/// sequence share a cache; decode steps of several sequences each have their own). One work item is one
/// (column, head) pair, so the pool splits both prompt tokens and heads; each item runs the single-token path's
/// <see cref="AttentionHead.Attend"/>, so batched and token-by-token
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
            int kvOffset = h / GroupSize * HeadDim;
            fixed (float* scores = scoresArray)
                AttentionHead.Attend(Queries + (long)column * QDim + h * HeadDim, Keys[column] + kvOffset, Values[column] + kvOffset,
                    KvDim, length, HeadDim, Scale, scores, Output + (long)column * QDim + h * HeadDim);
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
