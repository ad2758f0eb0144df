using Takase.Routing.Priors;
using Takase.Routing.Profiles;
using static Takase.Routing.Tests.Router.RouterTestSetup;

namespace Takase.Routing.Tests.Priors;

/// <summary>
/// Evaluation priors deciding: qwen (cheap) is poor at math and good at commonsense, gpt (expensive) good at both, so
/// the request's category alone moves the choice — a math question goes to gpt, a commonsense one to qwen.
/// </summary>
public class PriorRoutingTests
{
    private static readonly DateTimeOffset Evaluated = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    private static readonly string[] MathQuestions =
    [
        "What is 12 times 7?", "Solve for x: 3x + 5 = 20.", "Compute 45 divided by 9.", "What is 17 plus 26?",
        "What is 9 times 8 minus 4?", "Solve for x: 2x - 6 = 10.",
    ];

    private static readonly string[] CommonsenseQuestions =
    [
        "Where do people usually keep milk so it stays cold?", "What do you use to cut paper?",
        "Why do people carry an umbrella when it rains?", "Where would you sleep in a house?",
        "What do people wear on their feet when they walk outside?", "Where do you keep food so it stays fresh?",
    ];

    private static TargetPrior Prior(string target, double math, double commonsense) => new()
    {
        Target = target,
        Dataset = "mixed-sample",
        EvaluatedAt = Evaluated,
        Quality = (math + commonsense) / 2,
        N = 12,
        Categories =
        [
            new CategoryPrior("math", math, 6, CategoryCentroids.Of(MathQuestions)),
            new CategoryPrior("commonsense", commonsense, 6, CategoryCentroids.Of(CommonsenseQuestions)),
        ],
    };

    private static readonly RoutingPriors Priors = new([Prior("qwen", math: 0.30, commonsense: 0.85), Prior("gpt", math: 0.90, commonsense: 0.92)]);

    private static RouterProfile Profile(RoutingStrategy strategy = RoutingStrategy.Priors, double? bar = null) => new()
    {
        Name = "auto",
        Candidates = ["qwen", "gpt"],
        Strategy = strategy,
        MinQuality = bar,
        StrongShare = strategy == RoutingStrategy.Priors ? null : 0.5,
    };

    private static Takase.Routing.Router RouterWith(RouterProfile profile, RoutingPriors? priors) => new(Setup(profile), priors: () => priors);

    [Fact]
    public void TheRequestsCategoryPicksTheTarget()
    {
        var router = RouterWith(Profile(), Priors);

        var math = router.Decide(Ask("What is 14 times 6?"));
        Assert.Equal("gpt", math.Chosen);
        Assert.Equal("priors", math.Strategy);
        Assert.StartsWith("sent to gpt: priors: math ≈ 0.90 (eval mixed-sample, 2026-11-23, n=6) for gpt; bar 0.70: the cheapest eligible candidate that reaches it; request category math (similarity ", math.Reason);
        Assert.Contains("others: math ≈ 0.30 (eval mixed-sample, 2026-11-23, n=6) for qwen", math.Reason);
        Assert.Equal([0.30, 0.90], math.Candidates.Select(c => c.PredictedQuality));

        var commonsense = router.Decide(Ask("Where do people keep ice cream so it stays cold?"));
        Assert.Equal("qwen", commonsense.Chosen);
        Assert.StartsWith("sent to qwen: priors: commonsense ≈ 0.85 (eval mixed-sample, 2026-11-23, n=6) for qwen; bar 0.70: the cheapest eligible candidate that reaches it; request category commonsense", commonsense.Reason);
        Assert.Equal(["qwen", "gpt"], commonsense.Order);
    }

    [Fact]
    public void CategorizeTakesTheNearestCentroidAboveTheFloor()
    {
        Assert.Equal("math", Priors.Categorize("Solve for x: 5x + 1 = 11.").Category);
        Assert.Equal("commonsense", Priors.Categorize("Where do you keep the butter so it stays cold?").Category);
        var (category, similarity) = Priors.Categorize("ZZZZ QQQQ");
        Assert.Null(category);
        Assert.True(similarity < RoutingPriors.DefaultSimilarityFloor, $"similarity {similarity}");
    }

    [Fact]
    public void ARequestOfNoKnownCategoryUsesTheOverallAccuracy()
    {
        // Overall: qwen (0.30 + 0.85) / 2 = 0.575 (shown 0.58), gpt 0.91. Bar 0.5: qwen reaches it and is cheaper.
        var decision = RouterWith(Profile(bar: 0.5), Priors).Decide(Ask("ZZZZ QQQQ"));
        Assert.Equal("qwen", decision.Chosen);
        Assert.Contains("priors: overall ≈ 0.58 (eval mixed-sample, 2026-11-23, n=12) for qwen; bar 0.50", decision.Reason);
        Assert.Contains("request matches no evaluated category", decision.Reason);
    }

    [Fact]
    public void WhenNoCandidateReachesTheBarTheBestPriorWins()
    {
        var decision = RouterWith(Profile(bar: 0.95), Priors).Decide(Ask("What is 14 times 6?"));
        Assert.Equal("gpt", decision.Chosen);
        Assert.Contains("bar 0.95: no eligible candidate reaches it, so the best prior", decision.Reason);
    }

    [Fact]
    public void ALearnedProfileWithoutAModelFallsBackToPriors()
    {
        var decision = RouterWith(Profile(RoutingStrategy.NGram), Priors).Decide(Ask("What is 14 times 6?"));
        Assert.Equal("gpt", decision.Chosen);
        Assert.Equal("priors", decision.Strategy);
        Assert.Contains("profile 'auto' has no trained router model", decision.Reason);
    }

    [Fact]
    public void WithoutPriorsTheFirstEligibleCandidateIsChosenAndTheReasonSaysHowToAddThem()
    {
        var decision = RouterWith(Profile(), RoutingPriors.Empty).Decide(Ask("What is 14 times 6?"));
        Assert.Equal("qwen", decision.Chosen);
        Assert.Equal("sent to qwen: first eligible candidate, since the profile's evaluation priors cannot decide; "
                     + "no evaluation priors for qwen, gpt; store one with: takase eval MODEL DATASET --save --target NAME", decision.Reason);
    }

    [Fact]
    public void TheNewestRunOfATargetOnADatasetWins()
    {
        var old = Prior("qwen", math: 0.95, commonsense: 0.95) with { EvaluatedAt = Evaluated.AddDays(-1) };
        var priors = new RoutingPriors([old, Prior("qwen", math: 0.30, commonsense: 0.85)]);
        Assert.Equal(0.30, priors.Estimate("qwen", "math")!.Quality);
        Assert.Null(priors.Estimate("gpt", "math"));
    }
}
