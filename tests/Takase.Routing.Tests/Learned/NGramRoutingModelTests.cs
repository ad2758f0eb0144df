using Takase.Routing.Data;
using Takase.Routing.Learned;
using Takase.Routing.Learned.NGram;
using Takase.Tests.Support;

namespace Takase.Routing.Tests.Learned;

public class NGramRoutingModelTests
{
    [Fact]
    public void LearnsAPlantedKeywordAndPointsAtIt()
    {
        var (train, _) = PlantedData.Make(200, seed: 1);
        var model = NGramTrainer.Train(train);
        var (test, positions) = PlantedData.Make(100, seed: 2);

        for (var i = 0; i < test.Count; i++)
        {
            var prompt = test.Examples[i].Prompt;
            var score = model.Score(prompt);
            if (positions[i] < 0)
            {
                Assert.True(score.StrongNeed < 0.5, $"'{prompt}' has no keyword but scored {score.StrongNeed}");
                continue;
            }
            Assert.True(score.StrongNeed > 0.5, $"'{prompt}' has the keyword but scored {score.StrongNeed}");
            // The strongest contribution is an n-gram of the keyword, at the keyword's place in this prompt.
            var top = score.Contributions[0];
            Assert.True(top.Weight > 0);
            Assert.StartsWith("ngram:", top.Feature);
            Assert.Equal(top.Text, prompt.Substring(top.Start, top.Length));
            Assert.True(top.Text!.Intersect(PlantedData.Keyword).Any(), $"top feature '{top.Text}' of '{prompt}'");
            Assert.True(top.Start < positions[i] + PlantedData.Keyword.Length && top.Start + top.Length > positions[i],
                $"'{top.Text}' at {top.Start} is not on the keyword at {positions[i]} in '{prompt}'");
        }
    }

    [Fact]
    public void ContributionsAndBiasAddUpToTheLogit()
    {
        var (train, _) = PlantedData.Make(120, seed: 3);
        var model = NGramTrainer.Train(train);
        foreach (var prompt in new[] { "please 証明 the weather", "東京の天気を教えてください。", "", "  x  ", "Ｐｌｅａｓｅ ①２③ 証明！" })
        {
            var explanation = model.Explain(prompt);
            Assert.Equal(explanation.Logit, explanation.Bias + explanation.Contributions.Sum(c => c.Weight), 10);
            var score = model.Score(prompt);
            Assert.Equal(explanation.StrongNeed, score.StrongNeed, 12);
            foreach (var c in explanation.Contributions.Where(c => c.Text is not null))
                Assert.Equal(c.Text, prompt.Substring(c.Start, c.Length));
            // Score reports the strongest few of the same contributions, strongest first.
            Assert.InRange(score.Contributions.Count, 0, 2 * NGramRoutingModel.ReportedPerSign);
            Assert.All(score.Contributions, c => Assert.Contains(c, explanation.Contributions));
            Assert.Equal(score.Contributions.OrderByDescending(c => Math.Abs(c.Weight)), score.Contributions);
        }
    }

    [Fact]
    public void FullWidthTextMapsToTheSameNGramsAndToItsOwnPositions()
    {
        var (train, _) = PlantedData.Make(120, seed: 4);
        var model = NGramTrainer.Train(train);
        var narrow = model.Explain("abc 12").Contributions.Where(c => c.Text is not null).ToList();
        var wide = model.Explain("ＡＢＣ　３４").Contributions.Where(c => c.Text is not null).ToList();
        Assert.Equal(narrow.Select(c => c.Weight), wide.Select(c => c.Weight)); // NFKC, lower-case, digits folded
        var abc = wide.Single(c => c.Text == "ＡＢＣ");
        Assert.Equal((0, 3), (abc.Start, abc.Length));
    }

    [Fact]
    public void TrainingIsDeterministicAndTheFileRoundTripsExactly()
    {
        var (train, _) = PlantedData.Make(150, seed: 5);
        var a = (NGramRoutingModel)RouterTraining.Train(train, new RouterTrainingOptions { CalibrationFolds = 3 });
        var b = (NGramRoutingModel)RouterTraining.Train(train, new RouterTrainingOptions { CalibrationFolds = 3 });
        Assert.True(a.Weights.SequenceEqual(b.Weights));
        Assert.Equal(a.CalibrationScores, b.CalibrationScores);

        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "router.json");
        RoutingModelFile.Save(a, path);
        var loaded = Assert.IsType<NGramRoutingModel>(RoutingModelFile.Load(path));
        Assert.Equal(("weak", "strong", 150), (loaded.Weak, loaded.Strong, loaded.Training.Examples));
        Assert.Equal(a.CalibrationScores, loaded.CalibrationScores);
        Assert.Equal(a.ThresholdForStrongShare(0.3), loaded.ThresholdForStrongShare(0.3));
        foreach (var e in train.Examples.Take(20))
            Assert.Equal(a.Score(e.Prompt), loaded.Score(e.Prompt), (x, y) => x.StrongNeed == y.StrongNeed && x.Contributions.SequenceEqual(y.Contributions));
    }

    [Theory]
    [InlineData("not json at all", "cannot be read")]
    [InlineData("""{"kind": "ngram", "version": 99}""", "file version 99 is not supported")]
    [InlineData("""{"kind": "forest", "version": 1, "weak": "w", "strong": "s", "training": {}, "calibration": [], "weights": {}, "hyperParameters": {}}""", "unknown router kind 'forest'")]
    [InlineData("""{"kind": "ngram", "version": 1, "weak": "w", "strong": "s", "calibration": []}""", "\"training\" is missing")]
    public void ABadFileIsRefusedNamingIt(string content, string expected)
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "bad-router.json");
        File.WriteAllText(path, content);
        var e = Assert.Throws<RoutingDataException>(() => RoutingModelFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void CalibrationHitsTheRequestedShareOnHeldOutRealPrompts()
    {
        var data = RoutingDataset.Load(SharedData.Path("routing/gsm8k.jsonl"));
        // Held-out check of calibration: in each of 5 folds, a router trained (and calibrated out of fold) on the other
        // four picks the threshold for 30 % strong calls; over all held-out prompts the share lands within ±2 points.
        const double share = 0.3;
        var fold = KFold.Assign(data.Count, 5, seed: 11);
        var strong = 0;
        for (var f = 0; f < 5; f++)
        {
            var (trainRows, testRows) = KFold.Split(fold, f);
            var model = RouterTraining.Train(data.Subset(trainRows));
            var threshold = model.ThresholdForStrongShare(share);
            strong += testRows.Count(r => model.Score(data.Examples[r].Prompt).StrongNeed >= threshold);
        }
        Assert.InRange((double)strong / data.Count, share - 0.02, share + 0.02);
    }
}
