using Takase.Engine;
using Takase.Engine.Generation;

namespace Takase.Routing.Learned.Embeddings;

/// <summary>
/// Embeddings from a local GGUF model run by our engine in this process: the prompt is tokenized, run through the
/// transformer, and the final hidden states pooled as the model's metadata says (mean, CLS or last token — the same
/// <see cref="EmbeddingRun"/> the server's /api/embed uses), then L2-normalised. Prompts longer than the token budget
/// (<see cref="MaxTokens"/>, else the model's context) are cut to their first tokens: the start of a prompt says most
/// about what it asks, and a routing decision has a latency budget that a long prompt's full pass would break. The
/// budget is part of the source's spec, so a router embeds at serving time exactly as it was trained.
/// </summary>
public sealed class LocalGgufEmbeddings : IEmbeddingSource, IDisposable
{
    private readonly LanguageModel _model;
    private readonly Lock _gate = new();
    private SequenceSlot? _slot;

    /// <summary>Loads the model at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">no such file.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxTokens"/> is below 1.</exception>
    public LocalGgufEmbeddings(string path, int? maxTokens = null)
    {
        if (maxTokens is < 1) throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, "the embedding token budget must be at least 1");
        if (!File.Exists(path)) throw new FileNotFoundException($"embedding model {path} does not exist", path);
        Path = path;
        MaxTokens = maxTokens;
        _model = LanguageModel.Load(path);
    }

    /// <summary>The most prompt tokens embedded (the first ones); null: the model's context.</summary>
    public int? MaxTokens { get; }

    /// <summary>The model file.</summary>
    public string Path { get; }

    /// <summary>The vector length (the model's embedding length).</summary>
    public int Dimension => _model.Model.Config.EmbeddingLength;

    /// <inheritdoc />
    public EmbeddingSourceSpec Spec => new() { Kind = "gguf", Path = Path, MaxTokens = MaxTokens };

    /// <inheritdoc />
    public float[] Embed(string text)
    {
        var tokens = _model.TokenizePrompt(text);
        if (tokens.Length == 0) return new float[Dimension];
        var context = _model.Model.Config.TrainedContextLength;
        var budget = Math.Min(MaxTokens ?? int.MaxValue, context > 0 ? context : int.MaxValue);
        if (tokens.Length > budget) tokens = tokens[..budget];
        lock (_gate)
        {
            // One slot, grown as needed: a forward pass per token reuses its cache instead of allocating one per prompt.
            if (_slot is null || _slot.ContextLength < tokens.Length) _slot = new SequenceSlot(_model.Model, Math.Max(tokens.Length, 64));
            var run = new EmbeddingRun(_model.Model, _slot, tokens);
            var events = new List<GenerationEvent>();
            while (!run.IsFinished) run.Step(int.MaxValue, events);
            var vector = events.Select(e => e.Embedding).LastOrDefault(e => e is not null)
                ?? throw new EmbeddingException($"the model {Path} returned no embedding");
            return EmbeddingSources.Normalize((float[])vector.Clone());
        }
    }

    /// <inheritdoc />
    public void Dispose() => _model.Dispose();
}
