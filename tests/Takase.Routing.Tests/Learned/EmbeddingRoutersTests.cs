using Takase.Routing.Learned;
using Takase.Routing.Learned.Embeddings;
using Takase.Routing.Learned.MatrixFactorization;
using Takase.Routing.Learned.Similarity;
using Takase.Routing.Profiles;
using Takase.Tests.Support;

namespace Takase.Routing.Tests.Learned;

public class EmbeddingRoutersTests
{
    [Fact]
    public void HashedEmbeddingsAreUnitLengthDeterministicAndCloseForSharedWording()
    {
        var source = new HashedNgramEmbeddings(256);
        var a = source.Embed("How many apples does Tom have left?");
        Assert.Equal(256, a.Length);
        Assert.Equal(1.0, Math.Sqrt(a.Sum(x => (double)x * x)), 5);
        Assert.Equal(a, source.Embed("How many apples does Tom have left?"));
        double Cos(float[] x, float[] y) => x.Zip(y, (p, q) => (double)p * q).Sum();
        Assert.True(Cos(a, source.Embed("how many apples does Ann have left")) > Cos(a, source.Embed("東京の天気を教えてください")) + 0.3);
    }

    [Theory]
    [InlineData(RoutingStrategy.MatrixFactorization)]
    [InlineData(RoutingStrategy.Similarity)]
    public void LearnsThePlantedKeywordAndRoundTripsThroughItsFile(RoutingStrategy strategy)
    {
        var (train, _) = PlantedData.Make(200, seed: 6);
        var model = RouterTraining.Train(train, new RouterTrainingOptions { Strategy = strategy, CalibrationFolds = 0 });
        var (test, positions) = PlantedData.Make(60, seed: 7);
        var correct = Enumerable.Range(0, test.Count).Count(i => model.Score(test.Examples[i].Prompt).StrongNeed > 0.5 == positions[i] >= 0);
        Assert.True(correct >= 54, $"{strategy}: {correct}/60 held-out prompts on the right side of 0.5");

        using var dir = new TempDir();
        var path = dir.File("router.json");
        RoutingModelFile.Save(model, path);
        var loaded = RoutingModelFile.Load(path);
        Assert.Equal(model.GetType(), loaded.GetType());
        foreach (var e in test.Examples.Take(10))
            Assert.Equal(model.Score(e.Prompt).StrongNeed, loaded.Score(e.Prompt).StrongNeed, 6);
    }

    [Fact]
    public void SimilarityContributionsAreNeighboursThatAddUpFromTheBaseRate()
    {
        var (train, _) = PlantedData.Make(80, seed: 9);
        var model = (SimilarityModel)RouterTraining.Train(train, new RouterTrainingOptions
        {
            Strategy = RoutingStrategy.Similarity,
            Similarity = new SimilarityOptions { Neighbours = 4 },
            CalibrationFolds = 0,
        });
        var score = model.Score("please 証明 the weather");
        Assert.All(score.Contributions, c => Assert.StartsWith("neighbour:p", c.Feature));
        // With 4 neighbours and 3 reported per sign, a score's contributions are all of them: base rate + Σ = score.
        var all = score.Contributions;
        Assert.Equal(4, all.Count);
        Assert.Equal(score.StrongNeed, model.BaseRate + all.Sum(c => c.Weight), 10);
    }

    [Fact]
    public void MatrixFactorizationFactorsAndBiasAddUpToTheLogit()
    {
        var (train, _) = PlantedData.Make(80, seed: 10);
        var model = (MatrixFactorizationModel)RouterTraining.Train(train, new RouterTrainingOptions
        {
            Strategy = RoutingStrategy.MatrixFactorization,
            MatrixFactorization = new MatrixFactorizationOptions { Dimension = 3, Epochs = 20 },
            CalibrationFolds = 0,
        });
        var score = model.Score("please 証明 the weather");
        Assert.Equal(3, score.Contributions.Count); // all three factors, strongest first
        var logit = Math.Log(score.StrongNeed / (1 - score.StrongNeed));
        Assert.Equal(logit, model.Bias + score.Contributions.Sum(c => c.Weight), 5);
    }

    [Fact]
    public void LocalGgufEmbeddingsPoolTheModelsHiddenStates()
    {
        var path = SharedData.Path("models/stories260K.gguf");
        using var source = new LocalGgufEmbeddings(path);
        var a = source.Embed("Once upon a time");
        Assert.Equal(64, a.Length);
        Assert.Equal(1.0, Math.Sqrt(a.Sum(x => (double)x * x)), 4);
        Assert.Equal(a, source.Embed("Once upon a time"));
        Assert.NotEqual(a, source.Embed("The cat sat on the mat"));
        Assert.Equal(new EmbeddingSourceSpec { Kind = "gguf", Path = path }, source.Spec);

        // A similarity router over these embeddings saves the source and rebuilds it when loaded.
        var (train, _) = PlantedData.Make(20, seed: 12);
        var model = RouterTraining.Train(train, new RouterTrainingOptions { Strategy = RoutingStrategy.Similarity, Embeddings = source, CalibrationFolds = 0 });
        using var dir = new TempDir();
        RoutingModelFile.Save(model, dir.File("r.json"));
        var loaded = (SimilarityModel)RoutingModelFile.Load(dir.File("r.json"));
        Assert.Equal(model.Score("Once upon a time").StrongNeed, loaded.Score("Once upon a time").StrongNeed, 6);
        (loaded.Embeddings as IDisposable)?.Dispose();
    }

    [Fact]
    public void ATokenBudgetEmbedsOnlyThePromptsFirstTokensAndTravelsWithTheSavedRouter()
    {
        var path = SharedData.Path("models/stories260K.gguf");
        using var model = Takase.Engine.LanguageModel.Load(path);
        const string head = "Once upon a time there was a little girl";
        var budget = model.TokenizePrompt(head).Length;
        using var capped = new LocalGgufEmbeddings(path, maxTokens: budget);
        using var whole = new LocalGgufEmbeddings(path);
        // What follows the budget changes nothing; without a budget it does.
        Assert.Equal(capped.Embed(head), capped.Embed(head + " who loved to play in the park with her dog."));
        Assert.NotEqual(whole.Embed(head), whole.Embed(head + " who loved to play in the park with her dog."));
        Assert.Equal(whole.Embed(head), capped.Embed(head));
        Assert.Equal(new EmbeddingSourceSpec { Kind = "gguf", Path = path, MaxTokens = budget }, capped.Spec);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LocalGgufEmbeddings(path, maxTokens: 0));

        var (train, _) = PlantedData.Make(20, seed: 13);
        var router = RouterTraining.Train(train, new RouterTrainingOptions { Strategy = RoutingStrategy.Similarity, Embeddings = capped, CalibrationFolds = 0 });
        using var dir = new TempDir();
        RoutingModelFile.Save(router, dir.File("r.json"));
        var loaded = (SimilarityModel)RoutingModelFile.Load(dir.File("r.json"));
        Assert.Equal(budget, loaded.Embeddings.Spec.MaxTokens);
        (loaded.Embeddings as IDisposable)?.Dispose();
    }
}
