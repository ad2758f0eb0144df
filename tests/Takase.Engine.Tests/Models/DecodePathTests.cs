using Takase.Engine.Conversion;
using Takase.Engine.Gguf;
using Takase.Engine.Kernels;
using Takase.Engine.Models;
using Takase.Engine.Tensors;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Models;

/// <summary>
/// The decode loop on small random-weight models written by <see cref="SyntheticModels"/>: qwen2 with a width of 320
/// (not a multiple of 256, like Qwen's 896) so Q4_K_M falls back to Q5_0 and Q8_0 for some matrices, and matrices
/// large enough to go through the worker pool.
/// </summary>
public sealed class DecodePathTests
{
    private static readonly SyntheticModelShape Tiny = new("tiny-qwen", "qwen2", Layers: 2, Hidden: 320, Heads: 5, KvHeads: 1,
        HeadDim: 64, FeedForward: 1024, Vocab: 1000, RopeTheta: 1e6f, RmsEps: 1e-6f);

    [Theory]
    [InlineData("Q4_0")]
    [InlineData("Q8_0")]
    [InlineData("Q4_K_M")]
    [InlineData("F16")]
    public void DecodingAllocatesNothingAfterWarmUp(string type)
    {
        using var dir = new TempDir();
        var path = Write(dir, type);
        using var model = TransformerModel.Load(path);
        var state = model.CreateState(model.CreateCache(128));
        for (int i = 0; i < 4; i++) model.Forward(state, i); // warm-up: JIT, pool threads, scratch buffers
        Assert.Equal(0, Allocations.Fewest(() =>
        {
            for (int i = 0; i < 24; i++) model.Forward(state, (i * 37) % Tiny.Vocab);
        }));
    }

    [Fact]
    public void SyntheticQ4_K_MHasTheFallbacksOfQwenWidths()
    {
        using var dir = new TempDir();
        using var file = GgufFile.Open(Write(dir, "Q4_K_M"));
        var types = file.Tensors.ToDictionary(t => t.Name, t => t.Type);
        Assert.Equal(GgmlType.Q5_0, types["blk.0.attn_q.weight"]);    // Q4_K wanted: 320 fills no 256-block
        Assert.Equal(GgmlType.Q8_0, types["token_embd.weight"]);      // Q6_K wanted for the tied classifier
        Assert.Contains(types["blk.0.ffn_down.weight"], new[] { GgmlType.Q4_K, GgmlType.Q6_K }); // 1024-wide rows stay K
        Assert.Equal(GgmlType.F32, types["blk.0.attn_q.bias"]);
    }

    [Fact]
    public void SyntheticLlamaShapeCarriesLlama3RopeFactors()
    {
        using var dir = new TempDir();
        var shape = new SyntheticModelShape("tiny-llama", "llama", Layers: 1, Hidden: 256, Heads: 4, KvHeads: 2, HeadDim: 64,
            FeedForward: 512, Vocab: 300, RopeTheta: 5e5f, RmsEps: 1e-5f, Llama3RopeFactor: 32);
        var path = dir.File("tiny-llama.gguf");
        SyntheticModels.WriteF16(shape, path);
        using var file = GgufFile.Open(path);
        var factors = new float[32];
        WeightOps.GetRow(new Weight(file, file.GetTensor("rope_freqs.weight"), 32, 1), 0, factors);
        // Highest frequencies (short wavelengths) keep their speed; the lowest are slowed by the full factor.
        Assert.Equal(1f, factors[0]);
        Assert.Equal(32f, factors[^1]);
        Assert.All(factors, f => Assert.InRange(f, 1f, 32f));
        using var model = new TransformerModel(file);
        Assert.Equal(300, model.Forward(model.CreateState(model.CreateCache(8)), 5).Length);
    }

    [Fact]
    public void GreedyTokensAgreeAcrossThreadCounts()
    {
        // Rows are split over threads but every row is computed by the same kernel: results must be identical.
        using var dir = new TempDir();
        using var model = TransformerModel.Load(Write(dir, "Q4_K_M"));
        var saved = WeightOps.Threads;
        try
        {
            WeightOps.Threads = 1;
            var one = Logits(model);
            WeightOps.Threads = 3;
            Assert.Equal(one, Logits(model));
        }
        finally { WeightOps.Threads = saved; }
    }

    private static float[] Logits(TransformerModel model)
    {
        var state = model.CreateState(model.CreateCache(16));
        float[] last = [];
        foreach (var t in new[] { 1, 500, 999, 42 }) last = model.Forward(state, t).ToArray();
        return last;
    }

    private static string Write(TempDir dir, string type)
    {
        var f16 = dir.File("tiny-f16.gguf");
        SyntheticModels.WriteF16(Tiny, f16);
        if (type == "F16") return f16;
        var path = dir.File($"tiny-{type}.gguf");
        ModelQuantizer.Quantize(f16, path, type);
        return path;
    }
}
