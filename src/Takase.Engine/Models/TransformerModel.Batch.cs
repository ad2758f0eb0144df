using Takase.Engine.Kernels;
using Takase.Engine.Kernels.Batched;

namespace Takase.Engine.Models;

/// <summary>
/// Batched forward passes: several columns (tokens) per step, so each weight matrix is read once for all of them.
/// Prompt processing runs a sequence's prompt tokens together (<see cref="ForwardBatch"/>); batched decoding runs one
/// token of each of several sequences together (<see cref="ForwardMany"/>). Both are the same step as
/// <see cref="Forward"/>, column by column, with every projection a matrix–matrix product; the results equal the
/// token-by-token ones bit for bit (activations are quantized per column, attention runs the same operations).
/// </summary>
public sealed partial class TransformerModel
{
    /// <summary>Prompt tokens evaluated per step by <see cref="ForwardBatch"/> (llama.cpp's ubatch): larger reads the
    /// weights fewer times, smaller keeps the scratch small (about 14 KB per column for Qwen2.5-0.5B).</summary>
    public int MicroBatch { get; set; } = 64;

    /// <summary>Scratch for <see cref="ForwardMany"/> of up to <paramref name="columns"/> sequences at once.</summary>
    public BatchState CreateBatch(int columns) => new(Config, columns, _lora.MaxRank);

    /// <summary>
    /// Evaluates <paramref name="tokens"/> at the next positions of <paramref name="state"/>'s cache, in steps of
    /// <see cref="MicroBatch"/> tokens. Returns the logits of the last token when <paramref name="computeLogits"/>
    /// (owned by the state, valid until its next call). <paramref name="hidden"/>, when not empty, receives the
    /// normalised last hidden state of every token (tokens × embedding length), for embeddings;
    /// <see cref="ForwardState.FinalHidden"/> holds the last token's afterwards either way.
    /// </summary>
    /// <exception cref="ContextOverflowException">the tokens do not fit in the cache (nothing is evaluated).</exception>
    public Span<float> ForwardBatch(ForwardState state, ReadOnlySpan<int> tokens, bool computeLogits = true, Span<float> hidden = default)
    {
        var c = Config;
        if (tokens.IsEmpty) throw new ArgumentException("no tokens to evaluate", nameof(tokens));
        if (!hidden.IsEmpty && hidden.Length < tokens.Length * c.EmbeddingLength)
            throw new ArgumentException($"the hidden-state buffer holds {hidden.Length} floats; {tokens.Length} tokens need {tokens.Length * c.EmbeddingLength}", nameof(hidden));
        foreach (var t in tokens) CheckToken(t);
        var cache = state.Cache;
        if (tokens.Length > cache.Capacity - cache.Length) throw new ContextOverflowException(cache.Capacity, cache.Length + tokens.Length);
        // The scratch grows to the longest run asked for, up to MicroBatch columns.
        var wanted = Math.Min(Math.Max(1, MicroBatch), tokens.Length);
        if (state.PrefillBatch is not { } batch || batch.Capacity < wanted) state.PrefillBatch = batch = CreateBatch(wanted);

        for (var start = 0; start < tokens.Length; start += batch.Capacity)
        {
            var n = Math.Min(batch.Capacity, tokens.Length - start);
            var first = cache.Advance(n);
            for (var i = 0; i < n; i++)
            {
                batch.Caches[i] = cache;
                batch.Positions[i] = first + i;
            }
            var last = start + n == tokens.Length;
            var wantLogits = last && computeLogits;
            ForwardColumns(batch, tokens.Slice(start, n), normFrom: !hidden.IsEmpty ? 0 : last ? n - 1 : n,
                logitsFrom: n - 1, wantLogits ? state.Logits : Span<float>.Empty);
            var dim = c.EmbeddingLength;
            if (!hidden.IsEmpty) batch.Xb.AsSpan(0, n * dim).CopyTo(hidden.Slice(start * dim));
            if (last) batch.Xb.AsSpan((n - 1) * dim, dim).CopyTo(state.Xb);
        }
        return computeLogits ? state.Logits : Span<float>.Empty;
    }

    /// <summary>
    /// One decode step of several sequences together: <paramref name="tokens"/>[i] goes at the next position of
    /// <paramref name="states"/>[i]'s cache. Returns the logits, sequence after sequence (vocab floats each), owned by
    /// <paramref name="batch"/> and valid until its next use. Allocates nothing after the first call.
    /// </summary>
    /// <exception cref="ContextOverflowException">a sequence's cache is full (nothing is evaluated).</exception>
    public ReadOnlySpan<float> ForwardMany(BatchState batch, ReadOnlySpan<ForwardState> states, ReadOnlySpan<int> tokens)
    {
        var k = states.Length;
        if (k == 0) throw new ArgumentException("no sequences to evaluate", nameof(states));
        if (tokens.Length != k) throw new ArgumentException($"{k} sequences need {k} tokens, not {tokens.Length}", nameof(tokens));
        if (k > batch.Capacity) throw new ArgumentException($"{k} sequences do not fit a batch made for {batch.Capacity}; make it with CreateBatch({k})", nameof(states));
        foreach (var t in tokens) CheckToken(t);
        for (var i = 0; i < k; i++)
            if (states[i].Cache.Length >= states[i].Cache.Capacity) throw new ContextOverflowException(states[i].Cache.Capacity);
        for (var i = 0; i < k; i++)
        {
            batch.Caches[i] = states[i].Cache;
            batch.Positions[i] = states[i].Cache.Advance();
        }
        var logits = batch.Logits(k).AsSpan(0, k * Config.VocabSize);
        ForwardColumns(batch, tokens, normFrom: 0, logitsFrom: 0, logits);
        return logits;
    }

    /// <summary>
    /// The forward step for <paramref name="tokens"/>.Length columns whose caches and positions are set in
    /// <paramref name="b"/> (positions already claimed). Afterwards columns [<paramref name="normFrom"/>, n) of
    /// <see cref="BatchState.Xb"/> hold the final normalised hidden states; when <paramref name="logits"/> is not
    /// empty it receives the classifier's output for columns [<paramref name="logitsFrom"/>, n) (≥ normFrom).
    /// </summary>
    private unsafe void ForwardColumns(BatchState b, ReadOnlySpan<int> tokens, int normFrom, int logitsFrom, Span<float> logits)
    {
        var c = Config;
        int n = tokens.Length, dim = c.EmbeddingLength, qDim = c.QDim, kvDim = c.KvDim, ffn = c.FeedForwardLength;
        var lora = b.LoraScratch;
        for (var i = 0; i < n; i++)
        {
            var x = b.X.AsSpan(i * dim, dim);
            WeightOps.GetRow(_tokenEmbedding, tokens[i], x);
            foreach (var u in _tokenEmbeddingUpdates) u.AddEmbedding(tokens[i], x);
        }
        var xs = b.X.AsSpan(0, n * dim);
        var xbs = b.Xb.AsSpan(0, n * dim);

        fixed (float* q = b.Q)
        fixed (float* attnOut = b.AttnOut)
        fixed (nint* keys = b.KeyPointers)
        fixed (nint* values = b.ValuePointers)
        fixed (int* lengths = b.Lengths)
        {
            var attention = new BatchedAttentionJob
            {
                Queries = q,
                Output = attnOut,
                Keys = (float**)keys,
                Values = (float**)values,
                Lengths = lengths,
                Heads = c.HeadCount,
                HeadDim = c.HeadDim,
                QDim = qDim,
                KvDim = kvDim,
                GroupSize = c.GroupSize,
                Scale = 1f / MathF.Sqrt(c.HeadDim),
            };
            for (var i = 0; i < n; i++) b.Lengths[i] = b.Positions[i] + 1;
            int angleLength = _rope.AngleLength;
            for (var i = 0; i < n; i++) _rope.Angles(b.Positions[i], b.RopeAngles.AsSpan(i * angleLength, angleLength));

            for (var l = 0; l < _blocks.Length; l++)
            {
                var blk = _blocks[l];
                // Attention: x += Wo · attend(rope(Wq·n), rope(Wk·n), Wv·n), n = rmsnorm(x), per column
                for (var i = 0; i < n; i++) VectorOps.RmsNorm(xs.Slice(i * dim, dim), blk.AttnNorm, c.RmsNormEps, xbs.Slice(i * dim, dim));
                Linear.ApplyBatchShared(xbs, n, blk.Wq, b.Q.AsSpan(0, n * qDim), blk.Wk, b.K.AsSpan(0, n * kvDim),
                    blk.Wv, b.V.AsSpan(0, n * kvDim), lora);
                for (var i = 0; i < n; i++)
                {
                    var qi = b.Q.AsSpan(i * qDim, qDim);
                    var ki = b.K.AsSpan(i * kvDim, kvDim);
                    var vi = b.V.AsSpan(i * kvDim, kvDim);
                    if (blk.Bq is not null)
                    {
                        VectorOps.Add(qi, blk.Bq);
                        VectorOps.Add(ki, blk.Bk);
                        VectorOps.Add(vi, blk.Bv);
                    }
                    var pos = b.Positions[i];
                    var angles = b.RopeAngles.AsSpan(i * angleLength, angleLength);
                    _rope.Rotate(qi, c.HeadCount, angles);
                    _rope.Rotate(ki, c.KvHeadCount, angles);
                    var cache = b.Caches[i];
                    ki.CopyTo(cache.Key(l, pos));
                    vi.CopyTo(cache.Value(l, pos));
                    b.KeyPointers[i] = (nint)cache.KeysPointer(l);
                    b.ValuePointers[i] = (nint)cache.ValuesPointer(l);
                }
                // Every column's key and value are in its cache before any column attends (a prompt's later tokens
                // see its earlier ones).
                attention.Run(n, WeightOps.Threads);
                blk.Wo.ApplyBatch(b.AttnOut.AsSpan(0, n * qDim), n, xbs, lora);
                for (var i = 0; i < n; i++) VectorOps.Add(xs.Slice(i * dim, dim), xbs.Slice(i * dim, dim));

                // Feed-forward: x += Wdown · (silu(Wgate·n) ⊙ Wup·n), n = rmsnorm(x), per column
                for (var i = 0; i < n; i++) VectorOps.RmsNorm(xs.Slice(i * dim, dim), blk.FfnNorm, c.RmsNormEps, xbs.Slice(i * dim, dim));
                Linear.ApplyBatchShared(xbs, n, blk.Gate, b.Hidden.AsSpan(0, n * ffn), blk.Up, b.Hidden2.AsSpan(0, n * ffn), lora);
                for (var i = 0; i < n; i++) VectorOps.SwiGlu(b.Hidden.AsSpan(i * ffn, ffn), b.Hidden2.AsSpan(i * ffn, ffn));
                blk.Down.ApplyBatch(b.Hidden.AsSpan(0, n * ffn), n, xbs, lora);
                for (var i = 0; i < n; i++) VectorOps.Add(xs.Slice(i * dim, dim), xbs.Slice(i * dim, dim));
            }
        }

        for (var i = normFrom; i < n; i++) VectorOps.RmsNorm(xs.Slice(i * dim, dim), _outputNorm, c.RmsNormEps, xbs.Slice(i * dim, dim));
        if (!logits.IsEmpty)
        {
            var columns = n - logitsFrom;
            _output.ApplyBatch(xbs.Slice(logitsFrom * dim, columns * dim), columns, logits[..(columns * c.VocabSize)], lora);
        }
    }

    private void CheckToken(int token)
    {
        if ((uint)token >= (uint)Config.VocabSize) throw new ArgumentOutOfRangeException(nameof(token), token, $"token id outside the vocabulary of {Config.VocabSize}");
    }
}
