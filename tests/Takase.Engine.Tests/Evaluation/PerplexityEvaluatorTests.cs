using Takase.Engine.Evaluation;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Evaluation;

/// <summary>Perplexity equals exp(mean NLL) worked out here, window by window, from plain forward passes.</summary>
public class PerplexityEvaluatorTests
{
    private const string Text = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
        + "One day, she saw a big, red ball. She wanted to play with it, but it was too high.";

    [Theory]
    [InlineData(16, 8)]
    [InlineData(12, 12)]
    [InlineData(64, 32)] // one window holds the whole text
    public void EqualsExpOfMeanNllOverTheSlidingWindows(int ctx, int stride)
    {
        using var lm = LanguageModel.Load(SharedData.Path("models/stories260K.gguf"));
        var tokens = lm.TokenizePrompt(Text);
        // Each token from 1 on is predicted once, in the first window that holds it, from that window's start; with
        // windows that do not overlap, a token that opens a window has nothing before it and is not scored.
        double nll = 0;
        var count = 0;
        for (var t = 1; t < tokens.Length; t++)
        {
            var start = 0;
            while (start + ctx < t + 1) start += stride;
            if (start == t) continue;
            var window = tokens[start..(t + 1)];
            nll -= ReferenceScoring.LogLikelihood(lm, window, window.Length - 1);
            count++;
        }
        var report = PerplexityEvaluator.Run(lm, Text, ctx, stride);
        Assert.Equal(count, report.ScoredTokens);
        if (stride < ctx) Assert.Equal(tokens.Length - 1, report.ScoredTokens);
        Assert.Equal(nll / count, report.MeanNll, 1e-5);
        Assert.Equal(Math.Exp(nll / count), report.Perplexity, 1e-3);
        Assert.InRange(report.Perplexity, 1.0, 50.0); // a trained model on its own kind of text
    }

    [Fact]
    public void BadWindowsAreRefusedWithTheFlagName()
    {
        using var lm = LanguageModel.Load(SharedData.Path("models/stories260K.gguf"));
        Assert.Contains("--stride", Assert.Throws<ArgumentException>(() => PerplexityEvaluator.Run(lm, Text, 8, 9)).Message);
        Assert.Contains("--ctx", Assert.Throws<ArgumentException>(() => PerplexityEvaluator.Run(lm, Text, 1, 1)).Message);
    }
}
