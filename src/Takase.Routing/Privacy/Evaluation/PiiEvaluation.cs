namespace Takase.Routing.Privacy.Evaluation;

/// <summary>True positives, false positives and false negatives of one entity type (or all), with the usual ratios.</summary>
public sealed record PiiScore(int TruePositives, int FalsePositives, int FalseNegatives)
{
    /// <summary>Of the spans found, the share that were labelled (1 when nothing was found).</summary>
    public double Precision => TruePositives + FalsePositives == 0 ? 1 : (double)TruePositives / (TruePositives + FalsePositives);
    /// <summary>Of the labelled spans, the share that were found (1 when nothing was labelled).</summary>
    public double Recall => TruePositives + FalseNegatives == 0 ? 1 : (double)TruePositives / (TruePositives + FalseNegatives);
    /// <summary>The harmonic mean of precision and recall.</summary>
    public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);
    /// <summary>How many spans were labelled.</summary>
    public int Support => TruePositives + FalseNegatives;
}

/// <summary>A span the analyzer got wrong on a sample: found but not labelled, or labelled but not found.</summary>
/// <param name="Sample">Index of the sample in the set.</param>
/// <param name="Type">The entity type.</param>
/// <param name="Start">Span start.</param>
/// <param name="End">Span end.</param>
/// <param name="Missed">True: labelled but not found; false: found but not labelled.</param>
public sealed record PiiMistake(int Sample, PiiEntityType Type, int Start, int End, bool Missed);

/// <summary>Scores per entity type and overall (micro-averaged), and the mistakes behind them.</summary>
public sealed record PiiEvaluationReport(
    IReadOnlyDictionary<PiiEntityType, PiiScore> ByType, PiiScore Overall, IReadOnlyList<PiiMistake> Mistakes, int Samples);

/// <summary>
/// Runs an analyzer over a labelled set. A found span counts only when type, start and end all equal a labelled one
/// (strict matching: a span one character short is both a false positive and a false negative).
/// </summary>
public static class PiiEvaluation
{
    /// <summary>Scores <paramref name="analyzer"/> on <paramref name="samples"/>, each analyzed in its labelled language.</summary>
    public static PiiEvaluationReport Run(PiiAnalyzer analyzer, IReadOnlyList<LabelledSample> samples)
    {
        var counts = Enum.GetValues<PiiEntityType>().ToDictionary(t => t, _ => (Tp: 0, Fp: 0, Fn: 0));
        var mistakes = new List<PiiMistake>();
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            var expected = sample.Entities.Select(e => (e.Type, e.Start, e.End)).ToHashSet();
            var found = analyzer.Analyze(sample.Text, sample.Language).Select(s => (s.Type, s.Start, s.End)).ToHashSet();
            foreach (var f in found)
            {
                var c = counts[f.Type];
                if (expected.Contains(f)) counts[f.Type] = c with { Tp = c.Tp + 1 };
                else
                {
                    counts[f.Type] = c with { Fp = c.Fp + 1 };
                    mistakes.Add(new PiiMistake(i, f.Type, f.Start, f.End, Missed: false));
                }
            }
            foreach (var e in expected.Where(e => !found.Contains(e)))
            {
                counts[e.Type] = counts[e.Type] with { Fn = counts[e.Type].Fn + 1 };
                mistakes.Add(new PiiMistake(i, e.Type, e.Start, e.End, Missed: true));
            }
        }
        var byType = counts.ToDictionary(p => p.Key, p => new PiiScore(p.Value.Tp, p.Value.Fp, p.Value.Fn));
        var overall = new PiiScore(byType.Values.Sum(s => s.TruePositives), byType.Values.Sum(s => s.FalsePositives),
            byType.Values.Sum(s => s.FalseNegatives));
        return new PiiEvaluationReport(byType, overall, mistakes, samples.Count);
    }
}
