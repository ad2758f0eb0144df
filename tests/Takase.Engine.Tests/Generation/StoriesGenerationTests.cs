using Takase.Engine.Conversion;
using Takase.Engine.Generation;
using Takase.Engine.Models;
using Takase.Engine.Sampling;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Generation;

/// <summary>The real trained stories260K model must continue "Once upon a time" exactly as llama.cpp b10573 does.</summary>
public class StoriesGenerationTests
{
    private const string Golden =
        " Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily";
    private const string GoldenQ4 =
        " Once upon a time, there was a little girl named Lily. She loved to play outside in the sun. One day, she went to the park with her mommy and daddy. They saw a big, red ball and a sm";

    // llama.cpp's golden run used --temp 0 --top-k 1 with its default repeat penalty of 1.0 (off).
    private static readonly GenerationOptions Greedy = new() { Sampling = new SamplingOptions { Temperature = 0, RepeatPenalty = 1 }, MaxTokens = 60 };

    private static string Complete(string path, string prompt = "Once upon a time")
    {
        using var lm = LanguageModel.Load(path);
        var tokens = lm.TokenizePrompt(prompt);
        var generator = new Generator(lm.Model, lm.Tokenizer);
        var text = lm.Tokenizer.Decode(tokens) + string.Concat(generator.Generate(tokens, Greedy, TestContext.Current.CancellationToken));
        Assert.Equal(60, generator.LastStats!.GeneratedTokens);
        Assert.Equal(DoneReason.Length, generator.LastStats.DoneReason);
        return text;
    }

    [Fact]
    public void F32MatchesLlamaCpp() => Assert.Equal(Golden, Complete(SharedData.Path("models/stories260K.gguf")));

    [Fact]
    public void Q8_0MatchesLlamaCpp() => Assert.Equal(Golden, Complete(SharedData.Path("models/stories260K-Q8_0.gguf")));

    [Fact]
    public void Q4_0MatchesLlamaCpp() => Assert.Equal(GoldenQ4, Complete(SharedData.Path("models/stories260K-Q4_0.gguf")));

    [Fact]
    public void OurLlama2cImportMatchesLlamaCpp()
    {
        using var dir = new TempDir();
        var gguf = dir.File("imported.gguf");
        Llama2cImporter.Convert(SharedData.Path("models/stories260K.bin"), SharedData.Path("models/tok512.bin"), gguf);
        Assert.Equal(Golden, Complete(gguf));
    }

    [Fact]
    public void FollowUpPromptReusesTheCachedPrefix()
    {
        using var lm = LanguageModel.Load(SharedData.Path("models/stories260K.gguf"));
        var generator = new Generator(lm.Model, lm.Tokenizer);
        var first = lm.TokenizePrompt("Once upon a time");
        var answer = string.Concat(generator.Generate(first, Greedy with { MaxTokens = 10 }, TestContext.Current.CancellationToken));
        var followUp = generator.Tokens.Concat(lm.Tokenizer.Encode(" The end", addSpecial: false)).ToArray();
        var continued = string.Concat(generator.Generate(followUp, Greedy with { MaxTokens = 10 }, TestContext.Current.CancellationToken));
        Assert.Equal(first.Length + 9, generator.LastStats!.CachedPromptTokens); // the 10th token was sampled, not yet evaluated
        Assert.NotEmpty(answer);

        // The same follow-up from an empty cache gives the same text: reuse changes speed, not results.
        var fresh = new Generator(lm.Model, lm.Tokenizer);
        Assert.Equal(continued, string.Concat(fresh.Generate(followUp, Greedy with { MaxTokens = 10 }, TestContext.Current.CancellationToken)));
    }

    [Fact]
    public void StopStringEndsTheTextBeforeIt()
    {
        using var lm = LanguageModel.Load(SharedData.Path("models/stories260K.gguf"));
        var generator = new Generator(lm.Model, lm.Tokenizer);
        var text = string.Concat(generator.Generate(lm.TokenizePrompt("Once upon a time"), Greedy with { Stop = ["Lily."] }, TestContext.Current.CancellationToken));
        Assert.Equal(", there was a little girl named ", text);
        Assert.Equal(DoneReason.Stop, generator.LastStats!.DoneReason);
    }

    [Fact]
    public void SameSeedSameTextDifferentSeedDifferentText()
    {
        using var lm = LanguageModel.Load(SharedData.Path("models/stories260K.gguf"));
        string Sample(long seed) => string.Concat(new Generator(lm.Model, lm.Tokenizer).Generate(
            lm.TokenizePrompt("Once upon a time"), new GenerationOptions { Sampling = new SamplingOptions { Temperature = 1.0f, Seed = seed }, MaxTokens = 40 }, TestContext.Current.CancellationToken));
        Assert.Equal(Sample(42), Sample(42));
        Assert.NotEqual(Sample(42), Sample(43));
    }

    [Fact]
    public void ContextOverflowFailsClearlyUnlessShiftingIsAsked()
    {
        using var lm = LanguageModel.Load(SharedData.Path("models/stories260K.gguf"));
        var prompt = lm.TokenizePrompt("Once upon a time");
        var small = new Generator(lm.Model, lm.Tokenizer, contextLength: 16);
        var e = Assert.Throws<ContextOverflowException>(() => string.Concat(small.Generate(prompt, Greedy with { MaxTokens = 30 }, TestContext.Current.CancellationToken)));
        Assert.Contains("16 tokens", e.Message);

        var shifting = new Generator(lm.Model, lm.Tokenizer, contextLength: 16);
        var text = string.Concat(shifting.Generate(prompt, Greedy with { MaxTokens = 30, ContextShift = true, KeepTokens = 1 }, TestContext.Current.CancellationToken));
        Assert.Equal(30, shifting.LastStats!.GeneratedTokens);
        Assert.StartsWith(", there was a little girl", text);
        Assert.True(shifting.Tokens.Count <= 17, $"{shifting.Tokens.Count} tokens kept for a 16-token window");
    }
}
