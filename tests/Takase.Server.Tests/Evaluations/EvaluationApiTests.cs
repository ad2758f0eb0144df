using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Takase.Routing;
using Takase.Routing.Decisions;
using Takase.Routing.Priors;
using Takase.Server.Routing;
using Takase.Server.Tests.Access;
using static Takase.Server.Tests.Support.ResponseJson;

namespace Takase.Server.Tests.Evaluations;

/// <summary>
/// The evaluation API on a real server: a run posted as <c>takase eval --json</c> prints it reads back in the agreed
/// JSON shape, bad bodies are 400s naming the field, keys gate reading and writing, and a posted run with a target
/// becomes the router's prior at once.
/// </summary>
public class EvaluationApiTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly string[] MathQuestions = ["What is 12 times 7?", "Solve for x: 3x + 5 = 20.", "Compute 45 divided by 9.", "What is 17 plus 26?"];
    private static readonly string[] CommonsenseQuestions =
        ["Where do people usually keep milk so it stays cold?", "What do you use to cut paper?", "Why do people carry an umbrella when it rains?", "Where would you sleep in a house?"];

    private static object Stat(int correct, int total) => new { value = (double)correct / total, correct, total, ci95_low = 0.1, ci95_high = 0.9 };

    /// <summary>One result of `takase eval --json` (multiple choice), with the document's dataset and mode, plus target and centroids.</summary>
    private static object ChoiceResult(string? target, int mathCorrect, int commonsenseCorrect) => new
    {
        model = "/models/" + (target ?? "untargeted") + ".gguf",
        ok = true,
        target,
        dataset = "datasets/mixed-sample.jsonl",
        dataset_sha256 = new string('0', 63) + "f",
        mode = "multiple_choice",
        template = "Question: {question}\nAnswer:",
        acc_norm_unit = "chars",
        items = 8,
        acc = Stat(mathCorrect + commonsenseCorrect, 8),
        acc_norm = Stat(5, 8),
        items_per_second = 4.0,
        categories = new object[]
        {
            new { category = "math", acc = Stat(mathCorrect, 4), acc_norm = Stat(2, 4), centroid = CategoryCentroids.Of(MathQuestions) },
            new { category = "commonsense", acc = Stat(commonsenseCorrect, 4), acc_norm = Stat(3, 4), centroid = CategoryCentroids.Of(CommonsenseQuestions) },
        },
    };

    [Fact]
    public async Task A_posted_run_reads_back_in_the_agreed_shape()
    {
        await using var server = await AccessServer.StartAsync();
        var posted = await JsonAsync(await server.SendAsync(HttpMethod.Post, "/api/evaluations", null, ChoiceResult("local-7b", 1, 4)), HttpStatusCode.Created);
        var id = posted.GetProperty("id").GetString()!;

        var list = await JsonAsync(await server.SendAsync(HttpMethod.Get, "/api/evaluations", null), HttpStatusCode.OK);
        var run = Assert.Single(list.GetProperty("evaluations").EnumerateArray());
        Assert.Equal(["id", "created", "model", "target", "dataset", "dataset_sha256", "mode", "n", "accuracy", "accuracy_low", "accuracy_high",
            "acc_norm", "perplexity", "duration_ms", "categories"], run.EnumerateObject().Select(p => p.Name));
        Assert.Equal(id, run.GetProperty("id").GetString());
        Assert.True(DateTimeOffset.TryParse(run.GetProperty("created").GetString(), out _));
        Assert.Equal(("/models/local-7b.gguf", "local-7b", "mixed-sample", "choice", 8), (run.GetProperty("model").GetString(), run.GetProperty("target").GetString(),
            run.GetProperty("dataset").GetString(), run.GetProperty("mode").GetString(), run.GetProperty("n").GetInt32()));
        Assert.Equal((5 / 8.0, 0.1, 0.9, 5 / 8.0), (run.GetProperty("accuracy").GetDouble(), run.GetProperty("accuracy_low").GetDouble(),
            run.GetProperty("accuracy_high").GetDouble(), run.GetProperty("acc_norm").GetDouble()));
        Assert.Equal(JsonValueKind.Null, run.GetProperty("perplexity").ValueKind);
        Assert.Equal(2000, run.GetProperty("duration_ms").GetInt64()); // 8 items at 4 items/s
        var math = run.GetProperty("categories")[0];
        Assert.Equal(["category", "n", "correct", "accuracy", "accuracy_low", "accuracy_high"], math.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("math", 4, 1, 0.25), (math.GetProperty("category").GetString(), math.GetProperty("n").GetInt32(), math.GetProperty("correct").GetInt32(),
            math.GetProperty("accuracy").GetDouble()));

        var one = await JsonAsync(await server.SendAsync(HttpMethod.Get, $"/api/evaluations/{id}", null), HttpStatusCode.OK);
        Assert.Equal("Question: {question}\nAnswer:", one.GetProperty("options").GetProperty("template").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await server.SendAsync(HttpMethod.Get, "/api/evaluations/ev_nope", null)).StatusCode);
    }

    [Fact]
    public async Task Lists_filter_by_model_and_dataset_and_check_the_limit()
    {
        await using var server = await AccessServer.StartAsync();
        await JsonAsync(await server.SendAsync(HttpMethod.Post, "/api/evaluations", null, ChoiceResult("a", 1, 1)), HttpStatusCode.Created);
        await JsonAsync(await server.SendAsync(HttpMethod.Post, "/api/evaluations", null, ChoiceResult("b", 1, 1)), HttpStatusCode.Created);

        var a = await JsonAsync(await server.SendAsync(HttpMethod.Get, "/api/evaluations?model=/models/a.gguf", null), HttpStatusCode.OK);
        Assert.Equal(["a"], a.GetProperty("evaluations").EnumerateArray().Select(r => r.GetProperty("target").GetString()));
        var none = await JsonAsync(await server.SendAsync(HttpMethod.Get, "/api/evaluations?dataset=other", null), HttpStatusCode.OK);
        Assert.Empty(none.GetProperty("evaluations").EnumerateArray());
        Assert.Single((await JsonAsync(await server.SendAsync(HttpMethod.Get, "/api/evaluations?limit=1", null), HttpStatusCode.OK)).GetProperty("evaluations").EnumerateArray());
        var bad = await JsonAsync(await server.SendAsync(HttpMethod.Get, "/api/evaluations?limit=0", null), HttpStatusCode.BadRequest);
        Assert.Contains("limit must be a whole number from 1 to 1000, not '0'", bad.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("""{"model": "m", "dataset": "d", "mode": "exam"}""", "\"mode\" is 'exam'")]
    [InlineData("""{"dataset": "d", "mode": "multiple_choice", "acc": {"value": 0.5}}""", "\"model\" is missing")]
    [InlineData("""{"model": "m", "dataset": "d", "mode": "generative"}""", "a generate result needs \"exact_match\"")]
    [InlineData("""{"model": "m", "ok": false, "error": "bad GGUF"}""", "this result is a failed run (bad GGUF)")]
    [InlineData("""{"model": "m", "dataset": "d", "mode": "multiple_choice", "acc": {"value": 2}}""", "has accuracy 2; it must be between 0 and 1")]
    [InlineData("""[1, 2]""", "the body must be a JSON object")]
    public async Task A_bad_body_is_a_400_naming_what_is_wrong(string body, string message)
    {
        await using var server = await AccessServer.StartAsync();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var error = await JsonAsync(await server.Http.PostAsync("/api/evaluations", content, Cancel), HttpStatusCode.BadRequest);
        Assert.Contains(message, error.GetProperty("error").GetString());
        Assert.Empty((await JsonAsync(await server.SendAsync(HttpMethod.Get, "/api/evaluations", null), HttpStatusCode.OK)).GetProperty("evaluations").EnumerateArray());
    }

    [Fact]
    public async Task Router_evaluations_post_as_router_eval_prints_them_and_read_back()
    {
        await using var server = await AccessServer.StartAsync();
        var body = new
        {
            data = "/data/routing/gsm8k.jsonl",
            profile = "auto",
            strategy = "ngram",
            apgr = 0.64,
            cpt = new Dictionary<string, double?> { ["20"] = 0.12, ["50"] = 0.4, ["80"] = null },
            curve = new[] { new { strong_share = 0.0, quality = 0.5, threshold = 1.0 }, new { strong_share = 1.0, quality = 0.8, threshold = 0.0 } },
        };
        await JsonAsync(await server.SendAsync(HttpMethod.Post, "/api/router/evaluations", null, body), HttpStatusCode.Created);

        var list = await JsonAsync(await server.SendAsync(HttpMethod.Get, "/api/router/evaluations", null), HttpStatusCode.OK);
        var run = Assert.Single(list.GetProperty("evaluations").EnumerateArray());
        Assert.Equal(["id", "created", "profile", "strategy", "dataset", "apgr", "cpt", "curve"], run.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("auto", "ngram", "gsm8k", 0.64), (run.GetProperty("profile").GetString(), run.GetProperty("strategy").GetString(),
            run.GetProperty("dataset").GetString(), run.GetProperty("apgr").GetDouble()));
        Assert.Equal(0.4, run.GetProperty("cpt").GetProperty("50").GetDouble());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("cpt").GetProperty("80").ValueKind);
        var last = run.GetProperty("curve")[1];
        Assert.Equal(["strong_share", "quality", "cost"], last.EnumerateObject().Select(p => p.Name));
        Assert.Equal((1.0, 0.8, 1.0), (last.GetProperty("strong_share").GetDouble(), last.GetProperty("quality").GetDouble(), last.GetProperty("cost").GetDouble()));
    }

    [Fact]
    public async Task Any_key_reads_and_only_an_admin_key_writes()
    {
        await using var server = await AccessServer.StartSecuredAsync();
        var (_, client) = await server.CreateKeyAsync("reader", "client");
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.SendAsync(HttpMethod.Get, "/api/evaluations", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.SendAsync(HttpMethod.Get, "/api/evaluations", client)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.SendAsync(HttpMethod.Get, "/api/router/evaluations", client)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.SendAsync(HttpMethod.Post, "/api/evaluations", client, ChoiceResult("x", 1, 1))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.SendAsync(HttpMethod.Post, "/api/router/evaluations", client, new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await server.SendAsync(HttpMethod.Post, "/api/evaluations", AccessServer.AdminKey, ChoiceResult("x", 1, 1))).StatusCode);
    }

    [Fact]
    public async Task A_posted_run_becomes_the_routers_prior_at_once_and_after_a_restart()
    {
        string[] args =
        [
            "--Takase:Router:Targets:cheap:Kind=Local", "--Takase:Router:Targets:cheap:Model=small",
            "--Takase:Router:Targets:strong:Kind=Local", "--Takase:Router:Targets:strong:Model=large",
            "--Takase:Router:Profiles:auto:Candidates:0=cheap", "--Takase:Router:Profiles:auto:Candidates:1=strong",
            "--Takase:Router:Profiles:auto:Strategy=Priors", "--Takase:Router:Profiles:auto:MinQuality=0.7",
        ];
        var math = new RouteRequest { Profile = "auto", Messages = [new RouteMessage("user", "What is 14 times 6?")] };
        using var dir = new Takase.Tests.Support.TempDir();
        void SameDatabase(Takase.Server.Hosting.TakaseServerOptions o) => o.Database.Path = dir.File("takase.db");
        await using (var server = await AccessServer.StartAsync(SameDatabase, args))
        {
            var router = server.Services.GetRequiredService<RouterHost>().Router;
            Assert.Equal("cheap", router.Decide(math).Chosen); // no priors yet: the first candidate

            await JsonAsync(await server.SendAsync(HttpMethod.Post, "/api/evaluations", null, ChoiceResult("cheap", mathCorrect: 1, commonsenseCorrect: 4)), HttpStatusCode.Created);
            await JsonAsync(await server.SendAsync(HttpMethod.Post, "/api/evaluations", null, ChoiceResult("strong", mathCorrect: 4, commonsenseCorrect: 4)), HttpStatusCode.Created);
            var decision = router.Decide(math);
            Assert.Equal("strong", decision.Chosen);
            Assert.StartsWith("sent to strong: priors: math ≈ 1.00 (eval mixed-sample, ", decision.Reason);
            Assert.Equal("cheap", router.Decide(math with { Messages = [new RouteMessage("user", "Where do people keep ice cream so it stays cold?")] }).Chosen);
        }

        // A restarted server loads the stored priors before its first request.
        await using var restarted = await AccessServer.StartAsync(SameDatabase, args);
        Assert.Equal("strong", restarted.Services.GetRequiredService<RouterHost>().Router.Decide(math).Chosen);
    }
}
