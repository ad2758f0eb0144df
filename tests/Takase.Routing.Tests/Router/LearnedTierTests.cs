using Takase.Routing.Decisions;
using Takase.Routing.Profiles;
using static Takase.Routing.Tests.Router.RouterTestSetup;

namespace Takase.Routing.Tests.Router;

public class LearnedTierTests
{
    private static RouterProfile TwoTiers(double threshold) =>
        new() { Name = "auto", Candidates = ["qwen", "gpt"], Strategy = RoutingStrategy.NGram, Threshold = threshold };

    private static RouterProfile ThreeTiers => new()
    {
        Name = "auto",
        Candidates = ["qwen", "azure", "gpt"],
        Strategy = RoutingStrategy.NGram,
        Thresholds = [0.3, 0.7],
    };

    [Theory]
    [InlineData(0.21, "qwen", "score 0.21 below threshold 0.35")]
    [InlineData(0.35, "gpt", "score 0.35 at or above threshold 0.35")]
    [InlineData(0.90, "gpt", "score 0.90 at or above threshold 0.35")]
    public void OneThresholdSplitsTwoTiers(double score, string expected, string why)
    {
        var decision = RouterFor(TwoTiers(0.35), new FixedScoreModel(score)).Decide(Ask("Solve x^2 = 2"));
        Assert.Equal(expected, decision.Chosen);
        Assert.Equal($"sent to {expected}: {why}", decision.Reason);
        Assert.Equal(score, decision.Score);
        Assert.Equal([0.35], decision.Thresholds);
        Assert.Equal("ngram", decision.Strategy);
    }

    [Theory]
    [InlineData(0.10, "qwen", new[] { "qwen", "azure", "gpt" }, "score 0.10 below threshold 0.30")]
    [InlineData(0.50, "azure", new[] { "azure", "gpt", "qwen" }, "score 0.50 between thresholds 0.30 and 0.70")]
    [InlineData(0.70, "gpt", new[] { "gpt", "azure", "qwen" }, "score 0.70 at or above threshold 0.70")]
    public void ThresholdsGiveEachOfThreeTiersItsBand(double score, string expected, string[] order, string why)
    {
        var decision = RouterFor(ThreeTiers, new FixedScoreModel(score)).Decide(Ask("Explain monads"));
        Assert.Equal(expected, decision.Chosen);
        Assert.Equal(order, decision.Order);
        Assert.Equal($"sent to {expected}: {why}", decision.Reason);
    }

    [Fact]
    public void OneThresholdOverThreeCandidatesSplitsCheapestFromStrongest()
    {
        var profile = ThreeTiers with { Thresholds = null, Threshold = 0.5 };
        Assert.Equal("qwen", RouterFor(profile, new FixedScoreModel(0.4)).Decide(Ask("hi")).Chosen);
        Assert.Equal("gpt", RouterFor(profile, new FixedScoreModel(0.6)).Decide(Ask("hi")).Chosen);
    }

    [Fact]
    public void AnExcludedTierPassesToTheNextStrongerEligible()
    {
        var decision = RouterFor(ThreeTiers, new FixedScoreModel(0.5)).Decide(Ask("hi"), isAvailable: t => t != "azure");
        Assert.Equal(["gpt", "qwen"], decision.Order);
        Assert.Equal("sent to gpt: score 0.50 between thresholds 0.30 and 0.70 picks azure, which is excluded, so the next stronger eligible candidate; "
                     + "azure excluded: circuit open: it failed recently and is not taking requests for now", decision.Reason);

        var topDown = RouterFor(ThreeTiers, new FixedScoreModel(0.9)).Decide(Ask("hi"), isAvailable: t => t != "gpt");
        Assert.Equal(["azure", "qwen"], topDown.Order);
        Assert.Contains("so the next cheaper eligible candidate", topDown.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void StrongShareIsCalibratedByTheModel()
    {
        var model = new FixedScoreModel(0.62, calibratedThreshold: 0.6);
        var profile = TwoTiers(0) with { Threshold = null, StrongShare = 0.25 };

        var router = RouterFor(profile, model);
        var decision = router.Decide(Ask("Prove Fermat's little theorem"));

        Assert.Equal(0.25, model.AskedShare);
        Assert.Equal([0.6], decision.Thresholds);
        Assert.Equal("gpt", decision.Chosen);
        Assert.Equal("sent to gpt: score 0.62 at or above threshold 0.60 (calibrated for 25% strong calls)", decision.Reason);
        Assert.Equal("qwen", new Takase.Routing.Router(router.Setup, _ => new FixedScoreModel(0.59, 0.6)).Decide(Ask("hi")).Chosen);
    }

    [Fact]
    public void TheModelIsLoadedOncePerProfile()
    {
        var loads = 0;
        var router = new Takase.Routing.Router(Setup(TwoTiers(0.5)), p => { loads++; return new FixedScoreModel(0.1); });
        for (var i = 0; i < 5; i++) router.Decide(Ask("hi"));
        Assert.Equal(1, loads);
    }

    [Fact]
    public void WithoutAModelALearnedProfileFallsBackAndSaysHowToTrain()
    {
        var decision = RouterFor(TwoTiers(0.5) with { ModelPath = "routers/auto.json" }, model: null).Decide(Ask("hi"));
        Assert.Equal(["qwen", "gpt"], decision.Order);
        Assert.Null(decision.Score);
        Assert.Equal("sent to qwen: first eligible candidate, since the profile's router model cannot score; "
                     + "profile 'auto' has no trained router model (routers/auto.json); train one with: takase router train DATA.jsonl --profile auto",
            decision.Reason);
    }

    [Fact]
    public void AModelThatThrowsOrReturnsGarbageIsNotUsed()
    {
        var nan = RouterFor(TwoTiers(0.5), new FixedScoreModel(double.NaN)).Decide(Ask("hi"));
        Assert.Equal("qwen", nan.Chosen);
        Assert.Null(nan.Score);
        Assert.Contains("the ngram model returned an invalid score (NaN), so it was not used", nan.Reason, StringComparison.Ordinal);

        var broken = new Takase.Routing.Router(Setup(TwoTiers(0.5)), _ => throw new InvalidDataException("bad header"));
        Assert.Contains("could not be loaded (bad header); using rules instead", broken.Decide(Ask("hi")).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void RulesStillApplyBeforeTheScore()
    {
        var profile = TwoTiers(0.5) with
        {
            Rules = [new RoutingRule { Name = "sensitive", Pattern = @"\d{3}-\d{2}-\d{4}", Action = RuleAction.LimitPrivacy, MaxPrivacy = Takase.Routing.Targets.PrivacyClass.Local }],
        };
        var decision = RouterFor(profile, new FixedScoreModel(0.95)).Decide(Ask("My SSN is 123-45-6789, file my taxes"));
        Assert.Equal(["qwen"], decision.Order);
        Assert.Equal("sent to qwen: score 0.95 at or above threshold 0.50 picks gpt, which is excluded, so the next cheaper eligible candidate; "
                     + "gpt excluded: external target and the prompt matched rule 'sensitive' (local targets only)", decision.Reason);
    }

    [Fact]
    public void CascadeStartsCheapAndEscalatesInOrder()
    {
        var profile = new RouterProfile { Name = "auto", Candidates = ["tiny", "qwen", "gpt"], Strategy = RoutingStrategy.Cascade, Cascade = new() };
        var decision = RouterFor(profile).Decide(Ask("Write a haiku about rain"));
        Assert.Equal(["tiny", "qwen", "gpt"], decision.Order);
        Assert.Equal("cascade", decision.Strategy);
        Assert.Equal("sent to tiny: cheapest eligible candidate; escalates to qwen, then gpt when its answer's confidence is low", decision.Reason);
    }
}
