using System.Text;
using Takase.Engine.Generation;
using Takase.Engine.Sampling;
using Takase.Engine.Scheduling;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Scheduling;

/// <summary>
/// The scheduler evaluates the tokens of all generating sequences in one batched pass; each stream must still be
/// exactly what it would be alone (batched results equal token-by-token ones bit for bit), whatever shares its round.
/// </summary>
public sealed class BatchedDecodeTests : IDisposable
{
    private readonly LanguageModel _lm = LanguageModel.Load(SharedData.Path("models/stories260K-Q8_0.gguf"));

    public void Dispose() => _lm.Dispose();

    private static async Task<(string Text, float[]? Embedding, GenerationStats? Stats, Exception? Error)> Collect(GenerationJob job)
    {
        var text = new StringBuilder();
        float[]? embedding = null;
        GenerationStats? stats = null;
        Exception? error = null;
        await foreach (var e in job.Events.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            text.Append(e.Text);
            embedding ??= e.Embedding;
            stats ??= e.Done;
            error ??= e.Error;
        }
        return (text.ToString(), embedding, stats, error);
    }

    [Fact]
    public async Task EightSampledStreamsTogetherEqualEachAlone()
    {
        string[] prompts = ["Once upon a time", "The little dog", "Tom and Sue went to the", "One day, a bird",
            "She was happy", "The sun", "A big red ball", "Lily and Ben"];
        // Different seeds, temperatures and lengths: streams finish at different rounds and the batch shrinks.
        var options = prompts.Select((_, i) => new GenerationOptions
        {
            Sampling = new SamplingOptions { Temperature = 0.5f + 0.1f * i, Seed = 100 + i },
            MaxTokens = 20 + 5 * i,
        }).ToArray();
        using var scheduler = new ModelScheduler(_lm, new SchedulerOptions { Slots = 8, PrefillChunk = 3 });
        var jobs = prompts.Select((p, i) => scheduler.Submit(new GenerationRequest { Prompt = _lm.TokenizePrompt(p), Options = options[i] })).ToList();
        var results = await Task.WhenAll(jobs.Select(Collect));
        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Null(results[i].Error);
            var alone = new Generator(_lm.Model, _lm.Tokenizer);
            var expected = string.Concat(alone.Generate(_lm.TokenizePrompt(prompts[i]), options[i], TestContext.Current.CancellationToken));
            Assert.Equal(expected, results[i].Text);
            Assert.Equal(alone.LastStats!.GeneratedTokens, results[i].Stats!.GeneratedTokens);
        }
    }

    [Fact]
    public async Task EmbeddingsRunBesideGeneratingStreams()
    {
        var greedy = new GenerationOptions { Sampling = new SamplingOptions { Temperature = 0, RepeatPenalty = 1 }, MaxTokens = 30 };
        var input = _lm.TokenizePrompt("The cat sat on the mat and looked at the bird in the tree");
        // The embedding alone, from one batched pass over its tokens.
        using var alone = new ModelScheduler(_lm, new SchedulerOptions { Slots = 1 });
        var expected = (await Collect(alone.Submit(new GenerationRequest { Prompt = input, Embed = true }))).Embedding;
        Assert.NotNull(expected);

        using var scheduler = new ModelScheduler(_lm, new SchedulerOptions { Slots = 3, PrefillChunk = 4 });
        var a = scheduler.Submit(new GenerationRequest { Prompt = _lm.TokenizePrompt("Once upon a time"), Options = greedy });
        var e = scheduler.Submit(new GenerationRequest { Prompt = input, Embed = true });
        var b = scheduler.Submit(new GenerationRequest { Prompt = _lm.TokenizePrompt("The little dog"), Options = greedy });
        var results = await Task.WhenAll(Collect(a), Collect(e), Collect(b));
        Assert.Equal(expected, results[1].Embedding);
        Assert.Equal(30, results[0].Stats!.GeneratedTokens);
        Assert.Equal(30, results[2].Stats!.GeneratedTokens);
        Assert.Null(results[0].Error);
        Assert.Null(results[2].Error);
    }
}
