using System.Text.RegularExpressions;
using Takase.Routing.Decisions;
using Takase.Routing.Profiles;
using static Takase.Routing.Tests.Router.RouterTestSetup;

namespace Takase.Routing.Tests.Router;

public class ExplanationTests
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public void TheDecisionCarriesTheWholeExplanation()
    {
        Contribution[] contributions = [new("ngram:証明", 0.31, "証明", 4, 2), new("length", -0.05)];
        var profile = new RouterProfile
        {
            Name = "auto",
            Candidates = ["tiny", "qwen", "gpt"],
            Strategy = RoutingStrategy.NGram,
            Thresholds = [0.3, 0.6],
            Rules = [new RoutingRule { Name = "japanese", Languages = ["ja"], Action = RuleAction.LimitPrivacy, MaxPrivacy = Takase.Routing.Targets.PrivacyClass.Trusted }],
        };
        var now = new DateTimeOffset(2025, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var router = new Takase.Routing.Router(Setup(profile), _ => new FixedScoreModel(0.4, 0.5, contributions), new FixedClock(now));

        var d = router.Decide(Ask("この定理を証明してください。") with { MaxOutputTokens = 1000 });

        Assert.Matches(new Regex("^rt_[0-9a-f]{24}$"), d.Id);
        Assert.Equal(now, d.CreatedAt);
        Assert.Equal("auto", d.Profile);
        Assert.Equal("ngram", d.Strategy);
        Assert.Equal(0.4, d.Score);
        Assert.Equal([0.3, 0.6], d.Thresholds);
        Assert.Same(contributions, d.Contributions);
        Assert.Equal(["japanese"], d.AppliedRules);
        Assert.Equal(["qwen"], d.Order);
        Assert.True(d.DecisionTime > TimeSpan.Zero);
        Assert.Equal("sent to qwen: score 0.40 between thresholds 0.30 and 0.60; "
                     + "tiny excluded: answers en; the prompt is Japanese (ja); "
                     + "gpt excluded: external target and the prompt matched rule 'japanese' (up to trusted targets)", d.Reason);

        Assert.Equal(["tiny", "qwen", "gpt"], d.Candidates.Select(c => c.Target));
        Assert.Equal([false, true, false], d.Candidates.Select(c => c.Eligible));
        Assert.Null(d.Candidates[1].ExcludedBecause);
        // Quality relative to the strongest: the weakest answers as well with probability 1 − score.
        Assert.Equal([0.6, 0.8, 1.0], d.Candidates.Select(c => Math.Round(c.PredictedQuality!.Value, 12)));
        // 14 Japanese characters (one token each) + template overhead, 1000 answer tokens, at gpt's prices.
        var promptTokens = 14 + 4;
        Assert.Equal((promptTokens * 2.5 + 1000 * 10) / 1e6, d.Candidates[2].EstimatedCost, 12);
        Assert.Equal(0, d.Candidates[0].EstimatedCost);
    }

    [Fact]
    public void IdsAreUnique()
    {
        var router = RouterFor(new RouterProfile { Name = "auto", Candidates = ["qwen"] });
        var ids = Enumerable.Range(0, 1000).Select(_ => router.Decide(Ask("hi")).Id).ToHashSet();
        Assert.Equal(1000, ids.Count);
    }
}
