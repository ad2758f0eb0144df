using System.Diagnostics;

namespace Takase.Engine.Evaluation;

/// <summary>One generative item's outcome: what the model wrote, the answer found in it, and whether it matched.</summary>
public sealed record GenerativeItemResult(GenerativeItem Item, string Output, string? Extracted, bool Correct);

/// <summary>A generative run: exact-match accuracy overall and per category.</summary>
public sealed record GenerativeReport(IReadOnlyList<GenerativeItemResult> Items, TimeSpan Elapsed)
{
    /// <summary>Exact-match accuracy with its interval.</summary>
    public AccuracyStat Accuracy => Items.Aggregate(new AccuracyStat(), (s, r) => s.Add(r.Correct));
    /// <summary>Items per second of wall time.</summary>
    public double ItemsPerSecond => Items.Count / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>Accuracy per category, ordered by name; items without one fall under "(none)".</summary>
    public IReadOnlyList<(string Category, AccuracyStat Accuracy)> ByCategory =>
        Items.GroupBy(r => r.Item.Category ?? "(none)").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Aggregate(new AccuracyStat(), (s, r) => s.Add(r.Correct)))).ToList();
}

/// <summary>
/// Generative exact-match evaluation (GSM8K-style): greedy decoding from the formatted question until an
/// end-of-generation token, a stop string or <c>maxNewTokens</c>; then <see cref="ExactMatch"/> compares the answers.
/// </summary>
public static class GenerativeEvaluator
{
    /// <summary>Where lm-eval's gsm8k stops: the model starting the next question.</summary>
    public static readonly IReadOnlyList<string> DefaultStops = ["Question:"];

    /// <summary>Evaluates <paramref name="items"/>; <paramref name="progress"/> hears each finished item.</summary>
    public static GenerativeReport Run(LanguageModel model, IReadOnlyList<GenerativeItem> items, EvalPrompt prompt, int maxNewTokens,
        IReadOnlyList<string>? stops = null, int? contextLength = null, Action<GenerativeItemResult>? progress = null, CancellationToken cancel = default)
    {
        if (maxNewTokens < 1) throw new ArgumentException($"the number of tokens to generate must be at least 1, not {maxNewTokens}");
        stops ??= DefaultStops;
        var state = model.Model.CreateState(model.Model.CreateCache(contextLength));
        var clock = Stopwatch.StartNew();
        var results = new List<GenerativeItemResult>(items.Count);
        foreach (var item in items)
        {
            cancel.ThrowIfCancellationRequested();
            var output = Greedy(model, state, model.TokenizePrompt(prompt.Format(item.Question)), maxNewTokens, stops, cancel);
            var correct = ExactMatch.IsMatch(output, item.Answer, out var extracted);
            var result = new GenerativeItemResult(item, output, extracted, correct);
            results.Add(result);
            progress?.Invoke(result);
        }
        return new GenerativeReport(results, clock.Elapsed);
    }

    /// <summary>The greedy continuation of <paramref name="prompt"/>, cut before the first stop string.</summary>
    public static string Greedy(LanguageModel model, Models.ForwardState state, int[] prompt, int maxNewTokens, IReadOnlyList<string> stops, CancellationToken cancel = default)
    {
        if (prompt.Length == 0) throw new ArgumentException("the prompt is empty and the model adds no BOS token");
        state.Cache.Clear();
        Span<float> logits = default;
        for (var i = 0; i < prompt.Length; i++) logits = model.Model.Forward(state, prompt[i], computeLogits: i == prompt.Length - 1);
        var generated = new List<int>();
        var text = "";
        for (var n = 0; n < maxNewTokens && state.Cache.Length < state.Cache.Capacity; n++)
        {
            cancel.ThrowIfCancellationRequested();
            var next = ArgMax(logits);
            if (model.Tokenizer.IsEndOfGeneration(next)) break;
            generated.Add(next);
            text = model.Tokenizer.Decode(generated);
            if (stops.Any(s => text.Contains(s, StringComparison.Ordinal))) break;
            if (n < maxNewTokens - 1) logits = model.Model.Forward(state, next);
        }
        foreach (var stop in stops)
        {
            var at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0) text = text[..at];
        }
        return text;
    }

    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best]) best = i;
        return best;
    }
}
