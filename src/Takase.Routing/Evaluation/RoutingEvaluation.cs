using Takase.Routing.Data;

namespace Takase.Routing.Evaluation;

/// <summary>Everything <c>takase router eval</c> reports about one set of scores on one dataset.</summary>
/// <param name="Weak">Weak model's mean quality (always weak).</param>
/// <param name="Strong">Strong model's mean quality (always strong).</param>
/// <param name="Curve">The router's performance curve.</param>
/// <param name="Apgr">The router's APGR.</param>
/// <param name="Cpt">CPT at 20, 50 and 80 % of the gap (null where the curve never gets there).</param>
/// <param name="OracleApgr">APGR of a router that knows every prompt's gap (the ceiling on this data).</param>
public sealed record RoutingReport(
    double Weak,
    double Strong,
    IReadOnlyList<CurvePoint> Curve,
    double Apgr,
    IReadOnlyDictionary<int, double?> Cpt,
    double OracleApgr)
{
    /// <summary>APGR of a router that picks the strong model at random: its expected curve is the straight line from W to S.</summary>
    public const double RandomApgr = 0.5;

    /// <summary>CPT of the random router at <paramref name="percent"/>: the straight line reaches x % of the gap at x % of calls.</summary>
    public static double RandomCpt(int percent) => percent / 100.0;
}

/// <summary>Builds the <see cref="RoutingReport"/> of a router's scores.</summary>
public static class RoutingEvaluation
{
    /// <summary>The CPT levels reported, in percent of the quality gap.</summary>
    public static readonly int[] CptLevels = [20, 50, 80];

    /// <summary>Evaluates <paramref name="scores"/> (one per row of <paramref name="data"/>, out of fold).</summary>
    public static RoutingReport Evaluate(RoutingDataset data, IReadOnlyList<double> scores)
    {
        var weak = data.WeakMean;
        var strong = data.StrongMean;
        var curve = PerformanceCurve.Compute(scores, data.WeakScores, data.StrongScores);
        var cpt = CptLevels.ToDictionary(p => p, p => RoutingMetrics.Cpt(curve, p / 100.0, weak, strong));
        var gaps = Enumerable.Range(0, data.Count).Select(data.Gap).ToArray();
        var oracle = PerformanceCurve.Compute(gaps, data.WeakScores, data.StrongScores);
        return new RoutingReport(weak, strong, curve, RoutingMetrics.Apgr(curve, weak, strong), cpt, RoutingMetrics.Apgr(oracle, weak, strong));
    }
}
