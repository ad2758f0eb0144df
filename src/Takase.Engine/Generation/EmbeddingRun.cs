using System.Diagnostics;
using Takase.Engine.Models;

namespace Takase.Engine.Generation;

/// <summary>
/// Embeds one input: runs its tokens through the model in chunks (from an empty cache, so earlier requests cannot
/// leak into the vector) and pools the normalised last hidden states as the model's pooling type says.
/// The vector is returned unnormalised; the APIs decide (Ollama's /api/embed normalises, /api/embeddings does not).
/// </summary>
public sealed class EmbeddingRun : ISequenceRun
{
    private readonly TransformerModel _model;
    private readonly SequenceSlot _slot;
    private readonly IReadOnlyList<int> _tokens;
    private readonly int[] _tokenArray;
    private float[]? _hidden;
    private readonly double[] _sum;
    private int _next;
    private TimeSpan _time;

    /// <summary>Prepares the run; the slot is cleared.</summary>
    public EmbeddingRun(TransformerModel model, SequenceSlot slot, IReadOnlyList<int> tokens)
    {
        if (tokens.Count == 0) throw new ArgumentException("the input has no tokens");
        if (tokens.Count > slot.ContextLength) throw new ContextOverflowException(slot.ContextLength, tokens.Count);
        foreach (var t in tokens)
            if ((uint)t >= (uint)model.Config.VocabSize) throw new ArgumentException($"token id {t} is outside the vocabulary of {model.Config.VocabSize}");
        _model = model;
        _slot = slot;
        _tokens = tokens;
        _tokenArray = tokens as int[] ?? [.. tokens];
        _sum = new double[model.Config.EmbeddingLength];
        slot.Clear();
    }

    /// <inheritdoc />
    public bool IsFinished { get; private set; }

    /// <inheritdoc />
    public void Step(int prefillBudget, List<GenerationEvent> events)
    {
        if (IsFinished) return;
        var clock = Stopwatch.StartNew();
        var pooling = _model.Config.Pooling;
        var count = Math.Min(_tokens.Count - _next, Math.Max(1, prefillBudget));
        var chunk = _tokenArray.AsSpan(_next, count);
        _slot.Tokens.AddRange(chunk);
        // Hidden states only for the chunks whose tokens are pooled: every token (mean), the first (CLS) or the last.
        var from = pooling switch
        {
            PoolingType.Mean => 0,
            PoolingType.Cls => 0,
            _ => _tokens.Count - 1,
        };
        var to = pooling == PoolingType.Cls ? 1 : _tokens.Count;
        int first = Math.Max(from, _next), last = Math.Min(to, _next + count);
        var dim = _sum.Length;
        if (first < last)
        {
            if (_hidden is null || _hidden.Length < count * dim) _hidden = new float[count * dim];
            _model.ForwardBatch(_slot.State, chunk, computeLogits: false, _hidden);
            for (var t = first; t < last; t++)
            {
                var h = _hidden.AsSpan((t - _next) * dim, dim);
                for (var i = 0; i < dim; i++) _sum[i] += h[i];
            }
        }
        else _model.ForwardBatch(_slot.State, chunk, computeLogits: false);
        _next += count;
        _time += clock.Elapsed;
        if (_next < _tokens.Count) return;
        var scale = pooling == PoolingType.Mean ? 1.0 / _tokens.Count : 1.0;
        var vector = new float[_sum.Length];
        for (var i = 0; i < vector.Length; i++) vector[i] = (float)(_sum[i] * scale);
        IsFinished = true;
        events.Add(new GenerationEvent
        {
            Embedding = vector,
            Done = new GenerationStats { PromptTokens = _tokens.Count, PromptDuration = _time, DoneReason = DoneReason.Stop },
        });
    }

    /// <inheritdoc />
    public void Cancel(List<GenerationEvent> events)
    {
        if (IsFinished) return;
        IsFinished = true;
        events.Add(new GenerationEvent { Done = new GenerationStats { PromptTokens = _next, PromptDuration = _time, DoneReason = DoneReason.Cancelled } });
    }
}
