using System.Diagnostics;

namespace Takase.Engine.Evaluation;

/// <summary>Perplexity of a text: exp of the mean negative log-likelihood over the scored tokens.</summary>
public sealed record PerplexityReport(double Perplexity, double MeanNll, int ScoredTokens, int TotalTokens, int Windows, TimeSpan Elapsed)
{
    /// <summary>Scored tokens per second of wall time.</summary>
    public double TokensPerSecond => ScoredTokens / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>
/// Perplexity over a text with a sliding window: windows of <c>context</c> tokens start every <c>stride</c> tokens,
/// each evaluated from an empty cache; a window scores only the tokens no earlier window scored (with the default
/// stride of half the context, the second half of every window but the first), so each token is predicted at most once,
/// from at least <c>context − stride</c> tokens of history once past the first window. When stride equals context the
/// windows do not overlap and the token opening each window goes unscored.
/// </summary>
public static class PerplexityEvaluator
{
    /// <summary>Perplexity of <paramref name="text"/> (tokenized with the model's BOS when it adds one).</summary>
    /// <exception cref="ArgumentException">the window sizes make no sense, or the text has fewer than two tokens.</exception>
    public static PerplexityReport Run(LanguageModel model, string text, int context, int stride, CancellationToken cancel = default)
    {
        if (context < 2) throw new ArgumentException($"--ctx must be at least 2 tokens, not {context}");
        if (stride < 1 || stride > context) throw new ArgumentException($"--stride must be between 1 and --ctx ({context}), not {stride}");
        var tokens = model.TokenizePrompt(text);
        if (tokens.Length < 2) throw new ArgumentException($"the text has {tokens.Length} token(s); perplexity needs at least 2");
        var state = model.Model.CreateState(model.Model.CreateCache(context));
        var clock = Stopwatch.StartNew();
        double nll = 0;
        int scored = 0, windows = 0, scoredUntil = 1; // token 0 has nothing before it
        for (var start = 0; ; start += stride)
        {
            var end = Math.Min(start + context, tokens.Length);
            var first = Math.Max(scoredUntil, start + 1);
            state.Cache.Clear();
            windows++;
            // Position i's logits predict token i + 1; only the positions before a scored token need the classifier.
            for (var i = start; i < end - 1; i++)
            {
                cancel.ThrowIfCancellationRequested();
                var logits = model.Model.Forward(state, tokens[i], computeLogits: i + 1 >= first);
                if (i + 1 < first) continue;
                nll -= LogLikelihoodScorer.LogProbability(logits, tokens[i + 1], out _);
                scored++;
            }
            scoredUntil = end;
            if (end == tokens.Length) break;
        }
        var mean = nll / scored;
        return new PerplexityReport(Math.Exp(mean), mean, scored, tokens.Length, windows, clock.Elapsed);
    }
}
