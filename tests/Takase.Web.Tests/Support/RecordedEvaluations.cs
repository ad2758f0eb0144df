using System.Net.Http.Json;
using System.Text.Json;
using Takase.Engine.Evaluation;
using Takase.Routing.Evaluation;
using Takase.Routing.Learned;
using Takase.Tests.Support;

namespace Takase.Web.Tests.Support;

/// <summary>
/// A <see cref="PlaygroundServer"/> whose database holds evaluation runs stored through its own API, as
/// <c>takase eval --save</c> and <c>takase router eval --save</c> post them: model runs on two datasets
/// (multiple choice on "jcommonsenseqa-sample" by two models, one of them twice; generative on "gsm8k-sample" by
/// one) and two real cross-validated n-gram router evaluations on <see cref="PlaygroundServer.TheoremData"/>.
/// Posted once per test class, so the tests read a known set of runs.
/// </summary>
public sealed class RecordedEvaluations : IAsyncLifetime
{
    /// <summary>The dataset most models ran on (the chart's first choice) and the other one.</summary>
    public const string Choice = "jcommonsenseqa-sample", Generative = "gsm8k-sample";

    /// <summary>The server.</summary>
    public PlaygroundServer Server { get; } = new();

    /// <summary>Every router evaluation posted, by the id the server gave it, with the report it was computed from.</summary>
    public Dictionary<string, RoutingReport> RouterReports { get; } = [];

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        await Server.InitializeAsync();
        // An older run of the small model, then the newer one the chart draws; categories: (name, correct, total).
        await PostAsync("api/evaluations", ModelRun(Choice, "multiple_choice", PlaygroundServer.Small, "small", ("daily-life", 1, 10), ("science", 1, 10)));
        await PostAsync("api/evaluations", ModelRun(Choice, "multiple_choice", PlaygroundServer.Small, "small", ("daily-life", 3, 10), ("science", 5, 10)));
        await PostAsync("api/evaluations", ModelRun(Choice, "multiple_choice", PlaygroundServer.SmallQ8, "small-q8", ("daily-life", 7, 10), ("science", 4, 10)));
        await PostAsync("api/evaluations", ModelRun(Generative, "generative", PlaygroundServer.SmallQ8, "small-q8", ("arithmetic", 3, 5), ("word-problems", 0, 3)));
        foreach (var folds in new[] { 2, 5 })
        {
            var data = PlaygroundServer.TheoremData();
            var report = RoutingEvaluation.Evaluate(data, CrossValidation.OutOfFoldScores(data, new RouterTrainingOptions(), folds, seed: 42));
            var stored = await PostAsync("api/router/evaluations", RouterRun(data.Source, folds, report));
            RouterReports[stored.GetProperty("id").GetString()!] = report;
        }
    }

    /// <summary>
    /// One model's result as <c>takase eval --save</c> posts it: the <c>--json</c> document's dataset (a path, stored by
    /// name), mode and options beside the model's entry, plus target, dataset hash and duration; intervals are Wilson's.
    /// </summary>
    private static object ModelRun(string dataset, string mode, string model, string target, params (string Category, int Correct, int Total)[] categories)
    {
        var stat = mode == "generative" ? "exact_match" : "acc";
        var all = new AccuracyStat(categories.Sum(c => c.Correct), categories.Sum(c => c.Total));
        var body = new Dictionary<string, object?>
        {
            ["dataset"] = $"datasets/{dataset}.jsonl",
            ["mode"] = mode,
            ["template"] = "Question: {question}\nAnswer:",
            ["model"] = model,
            ["ok"] = true,
            ["items"] = all.Total,
            [stat] = Stat(all),
            ["items_per_second"] = 12.5,
            ["categories"] = categories.Select(c => new Dictionary<string, object> { ["category"] = c.Category, [stat] = Stat(new(c.Correct, c.Total)) }),
            ["target"] = target,
            ["dataset_sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dataset))),
            ["duration_ms"] = 800,
        };
        if (mode == "generative") body["max_tokens"] = 64;
        else body["acc_norm_unit"] = "chars";
        return body;
    }

    private static object Stat(AccuracyStat a) => new { value = a.Accuracy, correct = a.Correct, total = a.Total, ci95_low = a.Low, ci95_high = a.High };

    /// <summary><c>takase router eval --json</c>'s report plus the profile, each point's cost its strong share, as <c>--save</c> posts it.</summary>
    private static object RouterRun(string source, int folds, RoutingReport r) => new
    {
        data = source,
        strategy = "ngram",
        folds,
        profile = "learned",
        weak = new { model = TheoremRoutingPrompts.Weak, quality = r.Weak },
        strong = new { model = TheoremRoutingPrompts.Strong, quality = r.Strong },
        apgr = r.Apgr,
        cpt = r.Cpt.ToDictionary(p => p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.Value),
        oracle_apgr = r.OracleApgr,
        curve = r.Curve.Select(p => new { strong_share = p.StrongShare, quality = p.Quality, threshold = p.Threshold, cost = p.StrongShare }),
    };

    private async Task<JsonElement> PostAsync(string path, object body)
    {
        using var response = await Server.Http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"POST {path} answered {response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
