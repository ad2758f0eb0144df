using Takase.Engine.Conversion;
using Takase.Engine.Models;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Models;

/// <summary>Small random-weight qwen2 models in every weight type the batched path must handle, written once per class.</summary>
public sealed class TinyModels : IDisposable
{
    // Width 320 (Q4_K_M falls back to Q5_0/Q8_0 as Qwen's 896 does), grouped KV heads, QKV bias.
    public static readonly SyntheticModelShape Shape = new("tiny-qwen", "qwen2", Layers: 2, Hidden: 320, Heads: 5, KvHeads: 1,
        HeadDim: 64, FeedForward: 1024, Vocab: 1000, RopeTheta: 1e6f, RmsEps: 1e-6f);

    private readonly TempDir _dir = new();
    private readonly Dictionary<string, string> _paths = [];

    public string Path(string type)
    {
        lock (_paths)
        {
            if (_paths.TryGetValue(type, out var path)) return path;
            var f16 = _dir.File("tiny-F16.gguf");
            if (!File.Exists(f16)) SyntheticModels.WriteF16(Shape, f16);
            path = f16;
            if (type != "F16")
            {
                path = _dir.File($"tiny-{type}.gguf");
                ModelQuantizer.Quantize(f16, path, type);
            }
            return _paths[type] = path;
        }
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>
/// <see cref="TransformerModel.ForwardBatch"/> (prompt processing) and <see cref="TransformerModel.ForwardMany"/>
/// (batched decoding) against the token-by-token <see cref="TransformerModel.Forward"/>. Activations are quantized per
/// column and attention runs the same operations, so the results must be identical, not merely close.
/// </summary>
public sealed class BatchedForwardTests(TinyModels models) : IClassFixture<TinyModels>
{
    private static readonly int[] Prompt = [1, 500, 999, 42, 7, 318, 64, 2, 900, 123, 456, 789, 11];

    [Theory]
    [InlineData("Q4_0", 64)]
    [InlineData("Q8_0", 64)]
    [InlineData("Q4_K_M", 64)]
    [InlineData("F16", 64)]
    [InlineData("Q4_0", 5)] // several micro-batches, the last one shorter
    public void PromptInOneBatchEqualsTokenByToken(string type, int microBatch)
    {
        using var model = TransformerModel.Load(models.Path(type));
        model.MicroBatch = microBatch;
        var one = model.CreateState(model.CreateCache(32));
        float[] expected = [];
        for (var i = 0; i < Prompt.Length; i++) expected = model.Forward(one, Prompt[i], computeLogits: i == Prompt.Length - 1).ToArray();

        var batched = model.CreateState(model.CreateCache(32));
        var logits = model.ForwardBatch(batched, Prompt).ToArray();

        Assert.Equal(expected, logits);
        Assert.Equal(one.Cache.Length, batched.Cache.Length);
        for (var l = 0; l < model.Config.BlockCount; l++)
        {
            Assert.Equal(one.Cache.Keys(l, Prompt.Length).ToArray(), batched.Cache.Keys(l, Prompt.Length).ToArray());
            Assert.Equal(one.Cache.Values(l, Prompt.Length).ToArray(), batched.Cache.Values(l, Prompt.Length).ToArray());
        }
        // And decoding goes on from the batched prompt exactly as from the token-by-token one.
        Assert.Equal(model.Forward(one, 77).ToArray(), model.Forward(batched, 77).ToArray());
    }

    [Fact]
    public void HiddenStatesOfEveryPromptTokenEqualTokenByToken()
    {
        using var model = TransformerModel.Load(models.Path("Q8_0"));
        model.MicroBatch = 4;
        var dim = model.Config.EmbeddingLength;
        var one = model.CreateState(model.CreateCache(32));
        var expected = new float[Prompt.Length * dim];
        for (var i = 0; i < Prompt.Length; i++)
        {
            model.Forward(one, Prompt[i], computeLogits: false, computeHidden: true);
            one.FinalHidden.CopyTo(expected.AsSpan(i * dim));
        }
        var batched = model.CreateState(model.CreateCache(32));
        var hidden = new float[Prompt.Length * dim];
        Assert.True(model.ForwardBatch(batched, Prompt, computeLogits: false, hidden).IsEmpty);
        Assert.Equal(expected, hidden);
        Assert.Equal(expected.AsSpan((Prompt.Length - 1) * dim).ToArray(), batched.FinalHidden.ToArray());
    }

    [Fact]
    public void PromptBeyondTheContextFailsWithoutTouchingTheCache()
    {
        using var model = TransformerModel.Load(models.Path("Q4_0"));
        var state = model.CreateState(model.CreateCache(8));
        model.ForwardBatch(state, [1, 2, 3]);
        var error = Assert.Throws<ContextOverflowException>(() => model.ForwardBatch(state, Prompt));
        Assert.Equal(8, error.Capacity);
        Assert.Equal(3, state.Cache.Length);
    }

    [Theory]
    [InlineData("Q4_0")]
    [InlineData("Q4_K_M")]
    public void SequencesDecodedTogetherGiveTheTokensOfEachDecodedAlone(string type)
    {
        using var model = TransformerModel.Load(models.Path(type));
        // Prompts of different lengths, so the sequences sit at different positions of their caches.
        int[][] prompts = [[1, 2, 3], [500, 7], [999, 42, 7, 318, 64, 2], [11]];
        const int steps = 12;
        var alone = prompts.Select(p => Greedy(model, p, steps)).ToArray();

        var states = prompts.Select(_ => model.CreateState(model.CreateCache(32))).ToArray();
        var next = new int[prompts.Length];
        for (var s = 0; s < prompts.Length; s++) next[s] = ArgMax(model.ForwardBatch(states[s], prompts[s]));
        var together = prompts.Select(_ => new List<int>()).ToArray();
        var batch = model.CreateBatch(prompts.Length);
        for (var step = 0; step < steps; step++)
        {
            for (var s = 0; s < prompts.Length; s++) together[s].Add(next[s]);
            var logits = model.ForwardMany(batch, states, next);
            for (var s = 0; s < prompts.Length; s++) next[s] = ArgMax(logits.Slice(s * model.Config.VocabSize, model.Config.VocabSize));
        }
        for (var s = 0; s < prompts.Length; s++) Assert.Equal(alone[s], together[s]);
    }

    [Fact]
    public void BatchedStepsAllocateNothingAfterWarmUp()
    {
        using var model = TransformerModel.Load(models.Path("Q4_0"));
        var states = Enumerable.Range(0, 3).Select(_ => model.CreateState(model.CreateCache(64))).ToArray();
        var batch = model.CreateBatch(3);
        int[] tokens = [5, 6, 7];
        int[] chunk = [8, 9, 10, 11];
        // Warm-up: JIT, pool threads, per-thread scratch, the batches' logits and prefill scratch.
        for (var i = 0; i < 3; i++) model.ForwardMany(batch, states, tokens);
        model.ForwardBatch(states[0], chunk);
        Assert.Equal(0, Allocations.Fewest(() =>
        {
            for (var i = 0; i < 8; i++) model.ForwardMany(batch, states, tokens);
            model.ForwardBatch(states[0], chunk);
        }));
    }

    private static List<int> Greedy(TransformerModel model, int[] prompt, int steps)
    {
        var state = model.CreateState(model.CreateCache(32));
        var tokens = new List<int>();
        var next = ArgMax(model.ForwardBatch(state, prompt));
        for (var i = 0; i < steps; i++)
        {
            tokens.Add(next);
            next = ArgMax(model.Forward(state, next));
        }
        return tokens;
    }

    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
