using Takase.Routing.Data;
using Takase.Routing.Evaluation;
using Takase.Routing.Learned;

namespace Takase.Routing.Tests.Evaluation;

public class RoutingMetricsTests
{
    // Four prompts (weak, strong, router score):
    //   A (0, 1, .9)  B (1, 1, .7)  C (0, 1, .5)  D (1, 0, .1)
    // W = .5, S = .75. Sending the highest scores to strong first, the curve is
    //   share 0 → .5, .25 → .75 (A fixed), .5 → .75 (B unchanged), .75 → 1.0 (C fixed), 1 → .75 (D broken).
    // Area (trapezoids) = .25·(.5+.75)/2 + .25·.75 + .25·(.75+1)/2 + .25·(1+.75)/2 = .15625 + .1875 + .21875 + .21875 = .78125
    // APGR = (.78125 − .5)/(.75 − .5) = 1.125.
    // CPT(20%): target .55 on the first segment (.5 → .75 over 0 → .25): .25·(.05/.25) = .05; CPT(50%): .625 → .125;
    // CPT(80%): .7 → .2.
    private static readonly double[] Weak = [0, 1, 0, 1];
    private static readonly double[] Strong = [1, 1, 1, 0];
    private static readonly double[] Scores = [0.9, 0.7, 0.5, 0.1];

    [Fact]
    public void CurveApgrAndCptMatchTheHandComputation()
    {
        var curve = PerformanceCurve.Compute(Scores, Weak, Strong);
        Assert.Equal([0, 0.25, 0.5, 0.75, 1], curve.Select(p => p.StrongShare));
        Assert.Equal([0.5, 0.75, 0.75, 1.0, 0.75], curve.Select(p => p.Quality));
        Assert.Equal([0.9, 0.7, 0.5, 0.1], curve.Skip(1).Select(p => p.Threshold));
        Assert.True(curve[0].Threshold > 0.9);
        Assert.Equal(1.125, RoutingMetrics.Apgr(curve, 0.5, 0.75), 12);
        Assert.Equal(0.05, RoutingMetrics.Cpt(curve, 0.2, 0.5, 0.75)!.Value, 12);
        Assert.Equal(0.125, RoutingMetrics.Cpt(curve, 0.5, 0.5, 0.75)!.Value, 12);
        Assert.Equal(0.2, RoutingMetrics.Cpt(curve, 0.8, 0.5, 0.75)!.Value, 12);
        Assert.Equal(0.4, RoutingMetrics.Pgr(0.6, 0.5, 0.75), 12);
        Assert.Equal(0.875, PerformanceCurve.QualityAt(curve, 0.625), 12);
    }

    // A router that gives every prompt the same score switches them all at once: the curve is the straight line from
    // (0, W) to (1, S), which is the random router's expected curve: APGR .5, CPT(x) = x.
    [Fact]
    public void EqualScoresGiveTheRandomLine()
    {
        var curve = PerformanceCurve.Compute([0.3, 0.3, 0.3, 0.3], Weak, Strong);
        Assert.Equal(2, curve.Count);
        Assert.Equal(RoutingReport.RandomApgr, RoutingMetrics.Apgr(curve, 0.5, 0.75), 12);
        Assert.Equal(0.5, RoutingMetrics.Cpt(curve, 0.5, 0.5, 0.75)!.Value, 12);
    }

    // The reversed router (D first, then C, B, A): share .25 → .25, .5 → .5, .75 → .5, 1 → .75.
    // Area = .25·(.5+.25)/2 + .25·(.25+.5)/2 + .25·.5 + .25·(.5+.75)/2 = .09375 + .09375 + .125 + .15625 = .46875;
    // APGR = (.46875 − .5)/.25 = −.125. It reaches 80% of the gap (.7) only on the last segment: .75 + .25·(.2/.25) = .95.
    [Fact]
    public void AnInvertedRouterScoresBelowRandom()
    {
        var curve = PerformanceCurve.Compute(Scores.Select(s => -s).ToArray(), Weak, Strong);
        Assert.Equal(-0.125, RoutingMetrics.Apgr(curve, 0.5, 0.75), 12);
        Assert.Equal(0.95, RoutingMetrics.Cpt(curve, 0.8, 0.5, 0.75)!.Value, 12);
    }

    [Fact]
    public void TheReportUsesTheDatasetMeansAndAnOracle()
    {
        var examples = Enumerable.Range(0, 4).Select(i => new RoutingExample(i + 1, $"p{i}", null, $"prompt {i}", null,
            new Dictionary<string, double> { ["w"] = Weak[i], ["s"] = Strong[i] })).ToList();
        var report = RoutingEvaluation.Evaluate(RoutingDataset.FromExamples("t", "w", "s", examples), Scores);
        Assert.Equal(1.125, report.Apgr, 12);
        Assert.Equal(0.05, report.Cpt[20]!.Value, 12);
        // The oracle orders by gap: A and C (gap 1, tied) switch together, then B (0), then D (−1):
        // (0, .5) (.5, 1) (.75, 1) (1, .75); area = .5·.75 + .25·1 + .25·.875 = .84375; APGR = (.84375 − .5)/.25 = 1.375.
        Assert.Equal(1.375, report.OracleApgr, 12);
    }

    // RouteLLM's calibrate_threshold is pandas' quantile(1 − share): for [.1 .2 .3 .4 .5] and share .3 the position is
    // .7·4 = 2.8, so the threshold is .3 + .8·(.4 − .3) = .38.
    [Fact]
    public void CalibrationIsTheUpperQuantile()
    {
        double[] sorted = [0.1, 0.2, 0.3, 0.4, 0.5];
        Assert.Equal(0.38, StrongShareCalibration.Threshold(sorted, 0.3), 12);
        Assert.Equal(0.1, StrongShareCalibration.Threshold(sorted, 1));
        Assert.True(StrongShareCalibration.Threshold(sorted, 0) > 0.5);
        Assert.Throws<ArgumentOutOfRangeException>(() => StrongShareCalibration.Threshold(sorted, 1.5));
    }

    [Fact]
    public void TheSvgHasAxesTheCurveAndTheRandomLine()
    {
        var examples = Enumerable.Range(0, 4).Select(i => new RoutingExample(i + 1, $"p{i}", null, $"prompt {i}", null,
            new Dictionary<string, double> { ["w"] = Weak[i], ["s"] = Strong[i] })).ToList();
        var report = RoutingEvaluation.Evaluate(RoutingDataset.FromExamples("t", "w", "s", examples), Scores);
        var svg = CurveSvg.Render(report, "tiny <set>", "ngram", "w", "s");
        var doc = System.Xml.Linq.XDocument.Parse(svg); // well-formed XML, title escaped
        var ns = (System.Xml.Linq.XNamespace)"http://www.w3.org/2000/svg";
        Assert.Contains(doc.Descendants(ns + "text"), t => t.Value == "tiny <set>");
        Assert.Contains(doc.Descendants(ns + "text"), t => t.Value == "calls to the strong model");
        Assert.Contains(doc.Descendants(ns + "text"), t => t.Value == "ngram (APGR 1.125)");
        Assert.Contains(doc.Descendants(ns + "text"), t => t.Value == "random (APGR 0.500)");
        var polyline = Assert.Single(doc.Descendants(ns + "polyline"));
        Assert.Equal(5, polyline.Attribute("points")!.Value.Split(' ').Length);
    }
}
