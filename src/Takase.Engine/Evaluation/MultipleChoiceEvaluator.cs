using System.Diagnostics;
using System.Text;

namespace Takase.Engine.Evaluation;

/// <summary>One item's outcome: each choice's score, and which choice won raw and length-normalised.</summary>
public sealed record ChoiceItemResult(ChoiceItem Item, IReadOnlyList<ContinuationScore> Scores, int Predicted, int PredictedNormalized)
{
    /// <summary>The raw log-likelihood picked the right choice (acc).</summary>
    public bool Correct => Predicted == Item.Answer;
    /// <summary>The length-normalised log-likelihood picked the right choice (acc_norm).</summary>
    public bool CorrectNormalized => PredictedNormalized == Item.Answer;
}

/// <summary>A multiple-choice run: acc and acc_norm overall and per category, and how fast it went.</summary>
public sealed record MultipleChoiceReport(IReadOnlyList<ChoiceItemResult> Items, LengthUnit Unit, TimeSpan Elapsed)
{
    /// <summary>Accuracy by raw log-likelihood.</summary>
    public AccuracyStat Accuracy => Tally(Items, r => r.Correct);
    /// <summary>Accuracy by log-likelihood per unit of choice length.</summary>
    public AccuracyStat AccuracyNormalized => Tally(Items, r => r.CorrectNormalized);
    /// <summary>Items per second of wall time.</summary>
    public double ItemsPerSecond => Items.Count / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>(acc, acc_norm) per category, ordered by name; items without one fall under "(none)".</summary>
    public IReadOnlyList<(string Category, AccuracyStat Accuracy, AccuracyStat AccuracyNormalized)> ByCategory =>
        Items.GroupBy(r => r.Item.Category ?? "(none)").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, Tally(g, r => r.Correct), Tally(g, r => r.CorrectNormalized))).ToList();

    private static AccuracyStat Tally(IEnumerable<ChoiceItemResult> items, Func<ChoiceItemResult, bool> correct) =>
        items.Aggregate(new AccuracyStat(), (s, r) => s.Add(correct(r)));
}

/// <summary>
/// Multiple-choice evaluation by log-likelihood (lm-evaluation-harness's <c>multiple_choice</c> output type): each
/// choice is scored as Σ log p(choice tokens | prompt), the highest wins (acc); dividing by the choice's length first
/// gives acc_norm, which stops long answers from losing just for having more tokens.
/// </summary>
public static class MultipleChoiceEvaluator
{
    /// <summary>Evaluates <paramref name="items"/>; <paramref name="progress"/> hears each finished item.</summary>
    public static MultipleChoiceReport Run(LanguageModel model, IReadOnlyList<ChoiceItem> items, EvalPrompt prompt, LengthUnit unit,
        int? contextLength = null, Action<ChoiceItemResult>? progress = null, CancellationToken cancel = default)
    {
        var scorer = new LogLikelihoodScorer(model, contextLength);
        var clock = Stopwatch.StartNew();
        var results = new List<ChoiceItemResult>(items.Count);
        foreach (var item in items)
        {
            cancel.ThrowIfCancellationRequested();
            var context = prompt.Format(item.Question);
            ContinuationScore[] scores;
            try { scores = scorer.Score(context, item.Choices.Select(c => prompt.ChoicePrefix + c).ToList()); }
            catch (ArgumentException e) { throw new ArgumentException($"item on line {item.Line}: {e.Message}", e); }
            var normalized = scores.Select((s, i) => s.LogLikelihood / Length(item.Choices[i], unit)).ToArray();
            var result = new ChoiceItemResult(item, scores, ArgMax(scores.Select(s => s.LogLikelihood).ToArray()), ArgMax(normalized));
            results.Add(result);
            progress?.Invoke(result);
        }
        return new MultipleChoiceReport(results, unit, clock.Elapsed);
    }

    /// <summary>A choice's length in <paramref name="unit"/>, without the separator before it (as lm-eval).</summary>
    public static int Length(string choice, LengthUnit unit) =>
        Math.Max(1, unit == LengthUnit.Bytes ? Encoding.UTF8.GetByteCount(choice) : choice.EnumerateRunes().Count());

    /// <summary>The first index of the largest value (ties go to the earlier choice, as numpy's argmax).</summary>
    private static int ArgMax(double[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
