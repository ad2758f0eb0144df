using System.Text;
using Takase.Engine.Generation;
using Takase.Engine.Models;
using Takase.Engine.Sampling;
using Takase.Engine.Scheduling;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Scheduling;

public sealed class ModelSchedulerTests : IDisposable
{
    private static readonly GenerationOptions Greedy = new() { Sampling = new SamplingOptions { Temperature = 0, RepeatPenalty = 1 }, MaxTokens = 40 };
    private readonly LanguageModel _lm = LanguageModel.Load(SharedData.Path("models/stories260K.gguf"));

    public void Dispose() => _lm.Dispose();

    private static async Task<(string Text, GenerationStats? Stats, Exception? Error)> Collect(GenerationJob job)
    {
        var text = new StringBuilder();
        GenerationStats? stats = null;
        Exception? error = null;
        await foreach (var e in job.Events.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            text.Append(e.Text);
            stats ??= e.Done;
            error ??= e.Error;
        }
        return (text.ToString(), stats, error);
    }

    private string Sequential(string prompt, GenerationOptions options)
    {
        var g = new Generator(_lm.Model, _lm.Tokenizer);
        return string.Concat(g.Generate(_lm.TokenizePrompt(prompt), options, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task InterleavedRequestsGiveTheSameTextAsOneAtATime()
    {
        string[] prompts = ["Once upon a time", "The little dog", "Tom and Sue went to the", "One day, a bird", "She was happy"];
        using var scheduler = new ModelScheduler(_lm, new SchedulerOptions { Slots = 3, PrefillChunk = 2 });
        var jobs = prompts.Select(p => scheduler.Submit(new GenerationRequest { Prompt = _lm.TokenizePrompt(p), Options = Greedy })).ToList();
        var results = await Task.WhenAll(jobs.Select(Collect));
        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Null(results[i].Error);
            Assert.Equal(Sequential(prompts[i], Greedy), results[i].Text);
            Assert.Equal(40, results[i].Stats!.GeneratedTokens);
        }
        Assert.True(scheduler.IsIdle);
    }

    [Fact]
    public async Task WaitingRequestsReportTheirQueuePosition()
    {
        using var scheduler = new ModelScheduler(_lm, new SchedulerOptions { Slots = 1 });
        var prompt = _lm.TokenizePrompt("Once upon a time");
        var jobs = Enumerable.Range(0, 4).Select(_ => scheduler.Submit(new GenerationRequest { Prompt = prompt, Options = Greedy with { MaxTokens = 200 } })).ToList();
        // One job runs (or is about to); the last one waits behind two or three others.
        Assert.InRange(jobs[3].QueuePosition, 3, 4);
        await Task.WhenAll(jobs.Select(Collect));
        Assert.All(jobs, j => Assert.Equal(0, j.QueuePosition));
    }

    private static IEnumerable<string> ReadNow(GenerationJob job)
    {
        while (job.Events.TryRead(out var e)) yield return e.Error?.ToString() ?? e.Text;
    }

    [Fact]
    public void FullQueueRefusesClearly()
    {
        using var scheduler = new ModelScheduler(_lm, new SchedulerOptions { Slots = 1, QueueCapacity = 2 });
        var prompt = _lm.TokenizePrompt("Once upon a time");
        using var stop = new CancellationTokenSource();
        var accepted = new List<GenerationJob>();
        var e = Assert.Throws<QueueFullException>(() =>
        {
            for (var i = 0; i < 10; i++)
                accepted.Add(scheduler.Submit(new GenerationRequest { Prompt = prompt, Options = Greedy with { MaxTokens = -1, ContextShift = true } }, stop.Token));
        });
        Assert.True(accepted.Count == 3, $"{accepted.Count} accepted; first job events: {string.Join(" | ", ReadNow(accepted[0]))}");
        Assert.Contains("busy", e.Message);
        stop.Cancel();
    }

    [Fact]
    public async Task CancellingStopsTheRequestAndFreesItsSlot()
    {
        using var scheduler = new ModelScheduler(_lm, new SchedulerOptions { Slots = 1 });
        using var cancel = new CancellationTokenSource();
        var job = scheduler.Submit(new GenerationRequest { Prompt = _lm.TokenizePrompt("Once upon a time"), Options = Greedy with { MaxTokens = -1, ContextShift = true } }, cancel.Token);
        var produced = 0;
        GenerationStats? done = null;
        await foreach (var e in job.Events.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            if (e.Token >= 0 && ++produced == 5) cancel.Cancel();
            done ??= e.Done;
        }
        Assert.Equal(DoneReason.Cancelled, done!.DoneReason);
        // The decode thread runs ahead of this reader (stories260K decodes thousands of tokens a second on the SIMD
        // kernels, and a busy CI machine can delay the reader), so some tokens may already be on their way when it
        // cancels; an unlimited generation that ignored cancellation would never end.
        Assert.InRange(done.GeneratedTokens, 5, 5000);
        Assert.True(scheduler.IsIdle);
        // The freed slot serves the next request at once.
        var next = await Collect(scheduler.Submit(new GenerationRequest { Prompt = _lm.TokenizePrompt("The dog"), Options = Greedy with { MaxTokens = 3 } }));
        Assert.Equal(3, next.Stats!.GeneratedTokens);
    }

    [Fact]
    public async Task FollowUpRequestReusesTheSlotHoldingItsPrefix()
    {
        using var scheduler = new ModelScheduler(_lm, new SchedulerOptions { Slots = 2 });
        var first = _lm.TokenizePrompt("Once upon a time");
        var a = await Collect(scheduler.Submit(new GenerationRequest { Prompt = first, Options = Greedy with { MaxTokens = 10 } }));
        var followUp = first.Concat(_lm.Tokenizer.Encode(a.Text, addSpecial: false)).Concat(_lm.Tokenizer.Encode(" The end", addSpecial: false)).ToArray();
        var b = await Collect(scheduler.Submit(new GenerationRequest { Prompt = followUp, Options = Greedy with { MaxTokens = 5 } }));
        Assert.True(b.Stats!.CachedPromptTokens >= first.Length, $"only {b.Stats.CachedPromptTokens} prompt tokens came from the cache");
    }

    [Fact]
    public async Task AFailingRequestDoesNotDisturbTheOthers()
    {
        using var scheduler = new ModelScheduler(_lm, new SchedulerOptions { Slots = 2 });
        var prompt = _lm.TokenizePrompt("Once upon a time");
        var doomed = scheduler.Submit(new GenerationRequest { Prompt = prompt, Options = Greedy with { MaxTokens = 100 }, ContextLength = 16 });
        var healthy = scheduler.Submit(new GenerationRequest { Prompt = prompt, Options = Greedy });
        var (_, _, error) = await Collect(doomed);
        Assert.IsType<ContextOverflowException>(error);
        var ok = await Collect(healthy);
        Assert.Null(ok.Error);
        Assert.Equal(Sequential("Once upon a time", Greedy), ok.Text);
    }

    [Fact]
    public void PromptBeyondTheContextIsRefusedAtSubmission()
    {
        using var scheduler = new ModelScheduler(_lm);
        var e = Assert.Throws<ContextOverflowException>(() =>
            scheduler.Submit(new GenerationRequest { Prompt = Enumerable.Repeat(300, 40).ToArray(), ContextLength = 32 }));
        Assert.Contains("40 tokens", e.Message);
    }
}
