namespace Takase.Routing.Evaluation;

/// <summary>
/// RouteLLM's router metrics over a performance curve. With W and S the weak and strong model's mean quality:
/// PGR(q) = (q − W)/(S − W), the share of the quality gap a router recovers; APGR = (∫q d(share) − W)/(S − W) over
/// share 0..1 (trapezoids), the curve's area normalised so that always-weak is 0, always-strong 1 and a random router
/// 0.5; CPT(x) = the smallest share of strong calls at which the curve reaches W + x·(S − W).
/// </summary>
public static class RoutingMetrics
{
    /// <summary>Performance gap recovered by a quality of <paramref name="quality"/>.</summary>
    public static double Pgr(double quality, double weak, double strong) => (quality - weak) / (strong - weak);

    /// <summary>
    /// Average performance gap recovered: the trapezoid area under the curve, normalised as RouteLLM's apgr_metric (NaN
    /// when the two models have the same mean quality: there is no gap to recover).
    /// </summary>
    public static double Apgr(IReadOnlyList<CurvePoint> curve, double weak, double strong)
    {
        var area = 0.0;
        for (var i = 1; i < curve.Count; i++)
            area += (curve[i].StrongShare - curve[i - 1].StrongShare) * (curve[i].Quality + curve[i - 1].Quality) / 2;
        var span = curve[^1].StrongShare - curve[0].StrongShare;
        return (area - weak * span) / ((strong - weak) * span);
    }

    /// <summary>
    /// Call-performance threshold: the least share of strong calls at which the curve first reaches
    /// W + <paramref name="fraction"/>·(S − W), interpolated linearly between curve points; null if it never does.
    /// </summary>
    public static double? Cpt(IReadOnlyList<CurvePoint> curve, double fraction, double weak, double strong)
    {
        var target = weak + fraction * (strong - weak);
        const double eps = 1e-12;
        if (curve[0].Quality >= target - eps) return curve[0].StrongShare;
        for (var i = 1; i < curve.Count; i++)
        {
            var (a, b) = (curve[i - 1], curve[i]);
            if (b.Quality < target - eps) continue;
            return a.StrongShare + (b.StrongShare - a.StrongShare) * (target - a.Quality) / (b.Quality - a.Quality);
        }
        return null;
    }
}
