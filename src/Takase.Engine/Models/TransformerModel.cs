using Takase.Engine.Gguf;
using Takase.Engine.Kernels;

namespace Takase.Engine.Models;

/// <summary>
/// A llama-style decoder (llama, qwen2) over memory-mapped GGUF weights. The forward pass reads top to bottom like
/// llama2.c's: embed, then per block attention and feed-forward with residuals, then the final norm and the
/// classifier. The clever parts live in the kernels. LoRA adapters named at load ride along inside each
/// <see cref="Linear"/> projection (y = W·x + scale·B·(A·x)), so the mapped base weights are never rewritten.
/// </summary>
public sealed partial class TransformerModel : IDisposable
{
    private readonly GgufFile _file;
    private readonly bool _ownsFile;
    private readonly Block[] _blocks;
    private readonly Weight _tokenEmbedding;
    private readonly LoraUpdate[] _tokenEmbeddingUpdates;
    private readonly float[] _outputNorm;
    private readonly Linear _output;
    private readonly RopeTable _rope;
    private readonly LoraBinding _lora;

    /// <summary>Hyper-parameters.</summary>
    public ModelConfig Config { get; }
    /// <summary>The file the weights live in.</summary>
    public GgufFile File => _file;
    /// <summary>The LoRA adapters applied, in load order, with the user scale each was given.</summary>
    public IReadOnlyList<AdapterSpec> Adapters { get; }

    private sealed record Block(
        float[] AttnNorm, Linear Wq, Linear Wk, Linear Wv, Linear Wo, float[]? Bq, float[]? Bk, float[]? Bv,
        float[] FfnNorm, Linear Gate, Linear Up, Linear Down);

    /// <summary>
    /// Loads the model in <paramref name="file"/>, with the LoRA <paramref name="adapters"/> stacked on it in order;
    /// the file must stay open while the model is used. Adapters are read, checked against this model (architecture,
    /// tensor names, shapes) and kept in memory; a mismatch fails the load with a message naming the adapter and tensor.
    /// </summary>
    public TransformerModel(GgufFile file, bool ownsFile = false, IReadOnlyList<AdapterSpec>? adapters = null)
    {
        _file = file;
        _ownsFile = ownsFile;
        var family = Architectures.Get(file.Architecture);
        var c = Config = Architectures.ReadConfig(file);
        Adapters = adapters?.ToArray() ?? [];
        _lora = new LoraBinding(file, Adapters);
        _tokenEmbedding = new Weight(file, file.GetTensor("token_embd.weight"), c.EmbeddingLength, c.VocabSize);
        _tokenEmbeddingUpdates = _lora.Embedding(_tokenEmbedding);
        _outputNorm = Vector("output_norm.weight", c.EmbeddingLength);
        // Tied classifier: models without output.weight reuse the embedding table (Qwen2.5 small, Llama 3.2 1B).
        // A token_embd adapter changes the lookup only, not the tied classifier: that is how PEFT runs it unmerged.
        var output = file.FindTensor("output.weight");
        _output = output is null ? new Linear(_tokenEmbedding, [])
            : _lora.Matrix(new Weight(file, output, c.EmbeddingLength, c.VocabSize));
        var ropeFreqFactors = file.FindTensor("rope_freqs.weight") is null ? [] : Vector("rope_freqs.weight", c.RopeDimensions / 2);
        _rope = new RopeTable(c.HeadDim, c.RopeDimensions, c.RopeFreqBase, c.RopeLinearScale, c.RopeStyle, ropeFreqFactors);
        _blocks = new Block[c.BlockCount];
        for (var l = 0; l < c.BlockCount; l++)
        {
            string N(string what) => $"blk.{l}.{what}";
            _blocks[l] = new Block(
                AttnNorm: Vector(N("attn_norm.weight"), c.EmbeddingLength),
                Wq: Matrix(N("attn_q.weight"), c.EmbeddingLength, c.QDim),
                Wk: Matrix(N("attn_k.weight"), c.EmbeddingLength, c.KvDim),
                Wv: Matrix(N("attn_v.weight"), c.EmbeddingLength, c.KvDim),
                Wo: Matrix(N("attn_output.weight"), c.QDim, c.EmbeddingLength),
                Bq: family.QkvBias ? Vector(N("attn_q.bias"), c.QDim) : null,
                Bk: family.QkvBias ? Vector(N("attn_k.bias"), c.KvDim) : null,
                Bv: family.QkvBias ? Vector(N("attn_v.bias"), c.KvDim) : null,
                FfnNorm: Vector(N("ffn_norm.weight"), c.EmbeddingLength),
                Gate: Matrix(N("ffn_gate.weight"), c.EmbeddingLength, c.FeedForwardLength),
                Up: Matrix(N("ffn_up.weight"), c.EmbeddingLength, c.FeedForwardLength),
                Down: Matrix(N("ffn_down.weight"), c.FeedForwardLength, c.EmbeddingLength));
        }
        _lora.RequireAllBound();
    }

    /// <summary>Opens a GGUF file and loads the model in it, with optional LoRA <paramref name="adapters"/>.</summary>
    public static TransformerModel Load(string path, IReadOnlyList<AdapterSpec>? adapters = null)
    {
        var file = GgufFile.Open(path);
        try { return new TransformerModel(file, ownsFile: true, adapters); }
        catch { file.Dispose(); throw; }
    }

    /// <summary>The context used when a caller names none: the trained context, capped at 4096 like Ollama's default.</summary>
    public int DefaultContextLength => Math.Min(Config.TrainedContextLength, 4096);

    /// <summary>A KV cache for this model; <paramref name="contextLength"/> defaults to <see cref="DefaultContextLength"/>.</summary>
    public KvCache CreateCache(int? contextLength = null) => new(Config, contextLength ?? DefaultContextLength);

    /// <summary>Scratch buffers for one sequence's forward steps, reused across tokens.</summary>
    public ForwardState CreateState(KvCache cache) => new(Config, cache, _lora.MaxRank);

    /// <summary>
    /// Runs one token at the next position of <paramref name="state"/>'s cache. When <paramref name="computeLogits"/>
    /// is false (prompt tokens before the last), the classifier is skipped. Returns the logits (owned by the state,
    /// valid until the next call). With <paramref name="computeHidden"/>, <see cref="ForwardState.FinalHidden"/>
    /// holds the normalised last hidden state afterwards (for embeddings).
    /// </summary>
    public Span<float> Forward(ForwardState state, int token, bool computeLogits = true, bool computeHidden = false)
    {
        var c = Config;
        if ((uint)token >= (uint)c.VocabSize) throw new ArgumentOutOfRangeException(nameof(token), token, $"token id outside the vocabulary of {c.VocabSize}");
        var cache = state.Cache;
        var pos = cache.Advance();
        var x = state.X;
        var lora = state.LoraScratch;
        WeightOps.GetRow(_tokenEmbedding, token, x);
        foreach (var u in _tokenEmbeddingUpdates) u.AddEmbedding(token, x);

        // One position, one set of rotary angles for every layer's queries and keys.
        _rope.Angles(pos, state.RopeAngles);
        for (var l = 0; l < _blocks.Length; l++)
        {
            var b = _blocks[l];
            // Attention: x += Wo · attend(rope(Wq·n), rope(Wk·n), Wv·n), n = rmsnorm(x)
            VectorOps.RmsNorm(x, b.AttnNorm, c.RmsNormEps, state.Xb);
            var k = cache.Key(l, pos);
            var v = cache.Value(l, pos);
            Linear.ApplyShared(state.Xb, b.Wq, state.Q, b.Wk, k, b.Wv, v, lora);
            if (b.Bq is not null)
            {
                VectorOps.Add(state.Q, b.Bq);
                VectorOps.Add(k, b.Bk);
                VectorOps.Add(v, b.Bv);
            }
            _rope.Rotate(state.Q, c.HeadCount, state.RopeAngles);
            _rope.Rotate(k, c.KvHeadCount, state.RopeAngles);
            Attention(state, l, pos + 1);
            b.Wo.Apply(state.AttnOut, state.Xb, lora);
            VectorOps.Add(x, state.Xb);

            // Feed-forward: x += Wdown · (silu(Wgate·n) ⊙ Wup·n), n = rmsnorm(x)
            VectorOps.RmsNorm(x, b.FfnNorm, c.RmsNormEps, state.Xb);
            Linear.ApplyShared(state.Xb, b.Gate, state.Hidden, b.Up, state.Hidden2, lora);
            VectorOps.SwiGlu(state.Hidden, state.Hidden2);
            b.Down.Apply(state.Hidden, state.Xb, lora);
            VectorOps.Add(x, state.Xb);
        }

        if (!computeLogits && !computeHidden) return Span<float>.Empty;
        VectorOps.RmsNorm(x, _outputNorm, c.RmsNormEps, state.Xb);
        if (!computeLogits) return Span<float>.Empty;
        _output.Apply(state.Xb, state.Logits, lora);
        return state.Logits;
    }

    /// <summary>Causal attention of every query head over positions [0, length) of layer <paramref name="layer"/>:
    /// scores = q·k / √d, softmax, then the weighted sum of the values (<see cref="AttentionHead"/>, as the batched
    /// path runs it).</summary>
    private unsafe void Attention(ForwardState state, int layer, int length)
    {
        var c = Config;
        var scale = 1f / MathF.Sqrt(c.HeadDim);
        float* keys = state.Cache.KeysPointer(layer), values = state.Cache.ValuesPointer(layer);
        fixed (float* q = state.Q)
        fixed (float* scores = state.Scores)
        fixed (float* output = state.AttnOut)
        {
            for (var h = 0; h < c.HeadCount; h++)
            {
                var kvOffset = h / c.GroupSize * c.HeadDim;
                AttentionHead.Attend(q + h * c.HeadDim, keys + kvOffset, values + kvOffset, c.KvDim, length, c.HeadDim, scale,
                    scores, output + h * c.HeadDim);
            }
        }
    }

    private Linear Matrix(string name, int cols, int rows) => _lora.Matrix(new Weight(_file, _file.GetTensor(name), cols, rows));

    private float[] Vector(string name, int length)
    {
        var w = new Weight(_file, _file.GetTensor(name), length, 1);
        var v = new float[length];
        WeightOps.GetRow(w, 0, v);
        return v;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsFile) _file.Dispose();
    }
}

/// <summary>Per-sequence scratch buffers of the forward pass, allocated once and reused for every token.</summary>
public sealed class ForwardState
{
    internal ForwardState(ModelConfig c, KvCache cache, int loraRank)
    {
        Cache = cache;
        X = new float[c.EmbeddingLength];
        Xb = new float[c.EmbeddingLength];
        Q = new float[c.QDim];
        AttnOut = new float[c.QDim];
        Hidden = new float[c.FeedForwardLength];
        Hidden2 = new float[c.FeedForwardLength];
        Scores = new float[cache.Capacity];
        RopeAngles = new float[c.RopeDimensions];
        Logits = new float[c.VocabSize];
        LoraScratch = new float[loraRank];
    }

    /// <summary>The sequence's KV cache.</summary>
    public KvCache Cache { get; }
    /// <summary>The normalised last hidden state of the latest token run with computeHidden or computeLogits.</summary>
    public ReadOnlySpan<float> FinalHidden => Xb;
    internal float[] X { get; }
    internal float[] Xb { get; }
    internal float[] Q { get; }
    internal float[] AttnOut { get; }
    internal float[] Hidden { get; }
    internal float[] Hidden2 { get; }
    internal float[] Scores { get; }
    /// <summary>cos and sin of the current position's rotary angles.</summary>
    internal float[] RopeAngles { get; }
    internal float[] Logits { get; }
    /// <summary>A·x of the LoRA update being applied: as long as the largest adapter rank (empty without adapters).</summary>
    internal float[] LoraScratch { get; }
    /// <summary>Scratch of batched prompt evaluation, made on first use (<see cref="TransformerModel.ForwardBatch"/>).</summary>
    internal BatchState? PrefillBatch { get; set; }
}
