using Takase.Engine.Kernels;
using Takase.Engine.Kernels.Batched;

namespace Takase.Engine.Models;

/// <summary>
/// A projection y = W·x over a mapped weight, with the LoRA updates of any loaded adapters stacked on top:
/// y += scale·B·(A·x) for each. Keeps the forward pass one call per projection whether adapters are loaded or not.
/// </summary>
internal sealed class Linear(Weight weight, LoraUpdate[] updates)
{
    /// <summary>The base weight, untouched by adapters.</summary>
    public Weight Weight { get; } = weight;

    /// <summary>y = W·x + Σ scale·B·(A·x). <paramref name="scratch"/> holds at least the largest adapter rank.</summary>
    public void Apply(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch)
    {
        WeightOps.MatVec(Weight, x, y);
        AddUpdates(x, y, scratch);
    }

    /// <summary>Three projections of one input (Q, K, V) as one parallel step, each with its adapters.</summary>
    public static void ApplyShared(ReadOnlySpan<float> x, Linear a, Span<float> ya, Linear b, Span<float> yb, Linear c, Span<float> yc,
        Span<float> scratch)
    {
        WeightOps.MatVecShared(x, a.Weight, ya, b.Weight, yb, c.Weight, yc);
        a.AddUpdates(x, ya, scratch);
        b.AddUpdates(x, yb, scratch);
        c.AddUpdates(x, yc, scratch);
    }

    /// <summary>Two projections of one input (gate, up) as one parallel step, each with its adapters.</summary>
    public static void ApplyShared(ReadOnlySpan<float> x, Linear a, Span<float> ya, Linear b, Span<float> yb, Span<float> scratch)
    {
        WeightOps.MatVecShared(x, a.Weight, ya, b.Weight, yb);
        a.AddUpdates(x, ya, scratch);
        b.AddUpdates(x, yb, scratch);
    }

    private void AddUpdates(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch)
    {
        foreach (var u in updates) u.AddProjection(x, y, scratch);
    }

    /// <summary>
    /// <see cref="Apply"/> for <paramref name="columns"/> inputs stored one after another (x: columns × Cols,
    /// y: columns × Rows): one pass over the weight for all of them, the adapters' updates column by column.
    /// </summary>
    public void ApplyBatch(ReadOnlySpan<float> x, int columns, Span<float> y, Span<float> scratch)
    {
        TiledMatMul.MatMul(Weight, x, columns, y);
        AddUpdates(x, columns, y, scratch);
    }

    /// <summary><see cref="ApplyBatch"/> of three projections of one input (Q, K, V) as one parallel step.</summary>
    public static void ApplyBatchShared(ReadOnlySpan<float> x, int columns, Linear a, Span<float> ya, Linear b, Span<float> yb,
        Linear c, Span<float> yc, Span<float> scratch)
    {
        TiledMatMul.MatMulShared(x, columns, a.Weight, ya, b.Weight, yb, c.Weight, yc);
        a.AddUpdates(x, columns, ya, scratch);
        b.AddUpdates(x, columns, yb, scratch);
        c.AddUpdates(x, columns, yc, scratch);
    }

    /// <summary><see cref="ApplyBatch"/> of two projections of one input (gate, up) as one parallel step.</summary>
    public static void ApplyBatchShared(ReadOnlySpan<float> x, int columns, Linear a, Span<float> ya, Linear b, Span<float> yb,
        Span<float> scratch)
    {
        TiledMatMul.MatMulShared(x, columns, a.Weight, ya, b.Weight, yb);
        a.AddUpdates(x, columns, ya, scratch);
        b.AddUpdates(x, columns, yb, scratch);
    }

    private void AddUpdates(ReadOnlySpan<float> x, int columns, Span<float> y, Span<float> scratch)
    {
        if (updates.Length == 0) return;
        int cols = Weight.Cols, rows = Weight.Rows;
        for (var c = 0; c < columns; c++)
            foreach (var u in updates) u.AddProjection(x.Slice(c * cols, cols), y.Slice(c * rows, rows), scratch);
    }
}

/// <summary>One adapter's pair bound to one base tensor, with its final scale (user scale × alpha / rank).</summary>
internal sealed record LoraUpdate(LoraPair Pair, float Scale)
{
    /// <summary>y += Scale · B·(A·x): first down to the rank (A·x into scratch), then back up.</summary>
    public void AddProjection(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch)
    {
        var ax = scratch[..Pair.Rank];
        for (var r = 0; r < ax.Length; r++) ax[r] = FloatOps.Dot(Pair.A.Row(r), x);
        AddUp(ax, y);
    }

    /// <summary>row += Scale · B·A[token]: the token embedding's update, whose A holds one rank-vector per token.</summary>
    public void AddEmbedding(int token, Span<float> row) => AddUp(Pair.A.Row(token), row);

    private void AddUp(ReadOnlySpan<float> low, Span<float> y)
    {
        var b = Pair.B;
        for (var i = 0; i < b.Rows; i++) y[i] += Scale * FloatOps.Dot(b.Row(i), low);
    }
}
