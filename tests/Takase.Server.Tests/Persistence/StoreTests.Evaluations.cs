using Takase.Server.Persistence;

namespace Takase.Server.Tests.Persistence;

/// <summary>Evaluation runs and router evaluations, on every provider.</summary>
public abstract partial class StoreTests
{
    private static EvaluationRun ChoiceRun(string target = "local-7b", string dataset = "jcommonsenseqa-sample", double accuracy = 0.6) => new()
    {
        Model = "/models/qwen-7b-q4.gguf",
        Target = target,
        Dataset = dataset,
        DatasetSha256 = new string('a', 64),
        Mode = "choice",
        N = 10,
        Accuracy = accuracy,
        AccuracyLow = 0.31,
        AccuracyHigh = 0.83,
        AccNorm = 0.7,
        DurationMs = 1234,
        Options = """{"template":"質問: {question}\n答え:","acc_norm_unit":"chars"}""",
        Categories =
        [
            new("常識", 6, 4, 4 / 6.0, 0.3, 0.9, [0.5f, -0.25f, 0.125f, 0.8125f]),
            new("math", 4, 2, 0.5, 0.15, 0.85),
        ],
    };

    [Fact]
    public async Task An_evaluation_run_round_trips_with_its_categories_and_centroids()
    {
        var store = await Open();
        var stored = await store.AddEvaluationAsync(ChoiceRun());
        Assert.StartsWith("ev_", stored.Id);

        var read = await store.FindEvaluationAsync(stored.Id);
        Assert.NotNull(read);
        Assert.Equal(stored with { Categories = [] }, read with { Categories = [] });
        Assert.Equal(2, read.Categories.Count);
        Assert.Equal(("常識", 6, 4, 4 / 6.0, 0.3, 0.9), (read.Categories[0].Category, read.Categories[0].N, read.Categories[0].Correct,
            read.Categories[0].Accuracy, read.Categories[0].AccuracyLow, read.Categories[0].AccuracyHigh));
        Assert.Equal([0.5f, -0.25f, 0.125f, 0.8125f], read.Categories[0].Centroid!);
        Assert.Null(read.Categories[1].Centroid);
        Assert.Null(await store.FindEvaluationAsync("ev_missing"));
    }

    [Fact]
    public async Task A_perplexity_run_keeps_nulls_where_accuracy_does_not_apply()
    {
        var store = await Open();
        var stored = await store.AddEvaluationAsync(new EvaluationRun { Model = "m.gguf", Dataset = "wiki", Mode = "perplexity", N = 900, Perplexity = 12.5 });
        var read = (await store.FindEvaluationAsync(stored.Id))!;
        Assert.Equal((12.5, (double?)null, (double?)null, (string?)null, 0), (read.Perplexity!.Value, read.Accuracy, read.AccNorm, read.Target, read.Categories.Count));
    }

    [Fact]
    public async Task Evaluations_list_newest_first_filtered_by_model_and_dataset()
    {
        var store = await Open();
        var a = await store.AddEvaluationAsync(ChoiceRun(dataset: "d1"));
        var b = await store.AddEvaluationAsync(ChoiceRun(dataset: "d2") with { Model = "other.gguf" });
        var c = await store.AddEvaluationAsync(ChoiceRun(dataset: "d1"));

        var all = await store.ListEvaluationsAsync();
        Assert.Equal(new[] { a.Id, b.Id, c.Id }.Order(), all.Select(r => r.Id).Order());
        Assert.Equal(all.Select(r => r.Created).OrderDescending(), all.Select(r => r.Created)); // newest first
        Assert.Equal([b.Id], (await store.ListEvaluationsAsync(model: "other.gguf")).Select(r => r.Id));
        Assert.Equal(2, (await store.ListEvaluationsAsync(dataset: "d1")).Count);
        Assert.Single(await store.ListEvaluationsAsync(limit: 1));
        Assert.All(await store.ListEvaluationsAsync(), r => Assert.Equal(2, r.Categories.Count));
    }

    [Fact]
    public async Task The_newest_run_of_each_target_and_dataset_feeds_the_priors()
    {
        var store = await Open();
        await store.AddEvaluationAsync(ChoiceRun("local-7b", "d1", accuracy: 0.1));
        await Task.Delay(5); // distinct creation times (ms resolution)
        var newest = await store.AddEvaluationAsync(ChoiceRun("LOCAL-7B", "d1", accuracy: 0.9));
        var otherDataset = await store.AddEvaluationAsync(ChoiceRun("local-7b", "d2"));
        var otherTarget = await store.AddEvaluationAsync(ChoiceRun("gpt", "d1"));
        await store.AddEvaluationAsync(ChoiceRun() with { Target = null });

        var latest = await store.LatestEvaluationsByTargetAsync();
        Assert.Equal(new[] { newest.Id, otherDataset.Id, otherTarget.Id }.Order(), latest.Select(r => r.Id).Order());
        Assert.Equal(0.9, latest.Single(r => r.Id == newest.Id).Accuracy);
        Assert.All(latest, r => Assert.Equal(2, r.Categories.Count));
    }

    [Theory]
    [InlineData("mode", "the evaluation of '/models/qwen-7b-q4.gguf' has mode 'exam'")]
    [InlineData("accuracy", "has accuracy 1.5; it must be between 0 and 1")]
    [InlineData("correct", "category 'math' of the evaluation of '/models/qwen-7b-q4.gguf' has 5 correct of 4")]
    public async Task A_bad_run_is_refused_with_what_is_wrong(string field, string message)
    {
        var store = await Open();
        var run = ChoiceRun();
        run = field switch
        {
            "mode" => run with { Mode = "exam" },
            "accuracy" => run with { Accuracy = 1.5 },
            _ => run with { Categories = [run.Categories[1] with { Correct = 5 }] },
        };
        var e = await Assert.ThrowsAsync<ArgumentException>(() => store.AddEvaluationAsync(run));
        Assert.Contains(message, e.Message);
        Assert.Empty(await store.ListEvaluationsAsync());
    }

    [Fact]
    public async Task A_router_evaluation_round_trips_with_its_curve()
    {
        var store = await Open();
        var run = new RouterEvaluationRun
        {
            Profile = "auto",
            Strategy = "ngram",
            Dataset = "gsm8k-routing",
            Apgr = 0.62,
            Cpt = new Dictionary<int, double?> { [20] = 0.1, [50] = 0.35, [80] = null },
            Curve = [new(0, 0.4, 0), new(0.5, 0.7, 0.5), new(1, 0.8, 1)],
        };
        var stored = await store.AddRouterEvaluationAsync(run);
        var older = await store.AddRouterEvaluationAsync(run with { Strategy = "mf" });

        var list = await store.ListRouterEvaluationsAsync();
        Assert.Equal(2, list.Count);
        var read = list.Single(r => r.Id == stored.Id);
        Assert.Equal(("auto", "ngram", "gsm8k-routing", 0.62), (read.Profile, read.Strategy, read.Dataset, read.Apgr));
        Assert.Equal(stored.Created, read.Created);
        Assert.Equal(run.Cpt.OrderBy(p => p.Key), read.Cpt.OrderBy(p => p.Key));
        Assert.Equal(run.Curve, read.Curve);
        Assert.Single(await store.ListRouterEvaluationsAsync(limit: 1));
        Assert.NotEqual(stored.Id, older.Id);
        await Assert.ThrowsAsync<ArgumentException>(() => store.AddRouterEvaluationAsync(run with { Cpt = new Dictionary<int, double?> { [30] = 0.2 } }));
    }
}
