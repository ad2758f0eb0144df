namespace Takase.Routing.Evaluation;

/// <summary>One point of a router's performance curve.</summary>
/// <param name="StrongShare">Share of prompts (0..1) sent to the strong model.</param>
/// <param name="Quality">Mean score of the model each prompt was sent to.</param>
/// <param name="Threshold">The score threshold that produces this share (prompts scoring at or above it go strong).</param>
public sealed record CurvePoint(double StrongShare, double Quality, double Threshold);

/// <summary>
/// Quality as a function of the share of calls to the strong model, sweeping the router's threshold from above every
/// score (all weak) down through each distinct score (prompts with equal scores switch together) to all strong. This
/// is RouteLLM's curve with every threshold instead of ten quantiles, so the metrics do not depend on the binning.
/// </summary>
public static class PerformanceCurve
{
    /// <summary>The curve of <paramref name="scores"/> (higher = more in need of the strong model) on a dataset's per-prompt model scores.</summary>
    /// <exception cref="ArgumentException">the lists differ in length or are empty.</exception>
    public static IReadOnlyList<CurvePoint> Compute(IReadOnlyList<double> scores, IReadOnlyList<double> weak, IReadOnlyList<double> strong)
    {
        var n = scores.Count;
        if (n == 0 || weak.Count != n || strong.Count != n)
            throw new ArgumentException($"the curve needs one score and one weak and strong quality per prompt (got {n}, {weak.Count}, {strong.Count})");
        var order = Enumerable.Range(0, n).OrderByDescending(i => scores[i]).ToArray();
        var quality = weak.Sum();
        var points = new List<CurvePoint>(n + 1) { new(0, quality / n, Math.BitIncrement(scores[order[0]])) };
        for (var k = 0; k < n;)
        {
            var threshold = scores[order[k]];
            for (; k < n && scores[order[k]] == threshold; k++) quality += strong[order[k]] - weak[order[k]];
            points.Add(new CurvePoint((double)k / n, quality / n, threshold));
        }
        return points;
    }

    /// <summary>The curve's quality at <paramref name="share"/>, interpolated linearly between its points.</summary>
    public static double QualityAt(IReadOnlyList<CurvePoint> curve, double share)
    {
        if (share <= curve[0].StrongShare) return curve[0].Quality;
        for (var i = 1; i < curve.Count; i++)
        {
            if (share > curve[i].StrongShare) continue;
            var (a, b) = (curve[i - 1], curve[i]);
            return b.StrongShare == a.StrongShare ? b.Quality : a.Quality + (b.Quality - a.Quality) * (share - a.StrongShare) / (b.StrongShare - a.StrongShare);
        }
        return curve[^1].Quality;
    }
}
