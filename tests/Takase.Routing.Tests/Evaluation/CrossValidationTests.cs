using Takase.Routing.Data;
using Takase.Routing.Evaluation;
using Takase.Routing.Learned;
using Takase.Routing.Profiles;
using Takase.Tests.Support;

namespace Takase.Routing.Tests.Evaluation;

public class CrossValidationTests
{
    // The random router's APGR is 0.5; the n-gram router must do better out of fold on both real sets. (Measured numbers
    // are in the branch report; the bound leaves a margin so a harmless change does not flip the test.)
    [Theory]
    [InlineData("routing/gsm8k.jsonl", 0.55)]
    [InlineData("routing/mt_bench.jsonl", 0.5)]
    public void TheNGramRouterBeatsRandomOutOfFold(string file, double bound)
    {
        var data = RoutingDataset.Load(SharedData.Path(file));
        var scores = CrossValidation.OutOfFoldScores(data, new RouterTrainingOptions(), folds: 5, seed: 17);
        var report = RoutingEvaluation.Evaluate(data, scores);
        Assert.True(report.Apgr > bound, $"{file}: APGR {report.Apgr:0.000} should be above {bound}");
        Assert.True(report.Cpt[50] < 0.5, $"{file}: CPT(50%) {report.Cpt[50]:0.000} should beat random's 0.5");
    }

    [Fact]
    public void OutOfFoldScoresAreDeterministicAndCoverEveryPrompt()
    {
        var (data, _) = Learned.PlantedData.Make(60, seed: 8);
        foreach (var strategy in new[] { RoutingStrategy.NGram, RoutingStrategy.MatrixFactorization, RoutingStrategy.Similarity })
        {
            var options = new RouterTrainingOptions { Strategy = strategy };
            var a = CrossValidation.OutOfFoldScores(data, options, folds: 3, seed: 1);
            Assert.Equal(a, CrossValidation.OutOfFoldScores(data, options, folds: 3, seed: 1));
            Assert.Equal(60, a.Length);
            Assert.All(a, s => Assert.InRange(s, 0, 1));
            // The planted keyword is learnable by every strategy. Half the prompts gain 1 from the strong model, so a perfect
            // router's curve climbs linearly to S at 50 % and stays: area .5·(W+S)/2 + .5·S, APGR = .75 (a random one .5).
            var apgr = RoutingEvaluation.Evaluate(data, a).Apgr;
            Assert.True(apgr > 0.7, $"{strategy}: APGR {apgr}");
        }
    }
}
