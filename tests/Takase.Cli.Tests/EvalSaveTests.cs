using System.Net.Http.Json;
using System.Text.Json;
using Takase.Tests.Support;

namespace Takase.Cli.Tests;

/// <summary>
/// <c>takase eval --save</c> and <c>takase router eval --save</c> against a real <c>takase serve</c>: the stored run
/// reads back from GET /api/evaluations with the numbers <c>--json</c> printed, and a save that cannot reach a server
/// fails clearly after printing, leaving the run in a file.
/// </summary>
public class EvalSaveTests(ServeProcess server) : IClassFixture<ServeProcess>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string Stories => SharedData.Path("models/stories260K.gguf");

    private static string WriteDataset(TempDir dir)
    {
        var path = dir.File("story-sample.jsonl");
        File.WriteAllLines(path, new[]
        {
            new { question = "What did Lily see in the park?", choices = new[] { "a big red ball", "a cat" }, answer = 0, category = "story" },
            new { question = "Who loved to play outside?", choices = new[] { "Lily", "nobody at all" }, answer = 0, category = "story" },
            new { question = "What color was the ball?", choices = new[] { "red", "purple" }, answer = 1, category = "colors" },
        }.Select(q => JsonSerializer.Serialize(q)));
        return path;
    }

    [Fact]
    public async Task A_saved_run_reads_back_with_the_printed_numbers()
    {
        using var dir = new TempDir();
        var model = dir.File("stories.gguf");
        File.CreateSymbolicLink(model, Stories);
        var data = WriteDataset(dir);

        var r = server.Run(null, "eval", model, data, "--json", "--save", "--target", "local-small");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains($"saved {model} as ev_", r.StdErr);
        using var printed = JsonDocument.Parse(r.StdOut);
        var result = printed.RootElement.GetProperty("results")[0];

        using var http = new HttpClient { BaseAddress = new Uri($"http://{server.Host}/") };
        var list = await http.GetFromJsonAsync<JsonElement>($"/api/evaluations?model={Uri.EscapeDataString(model)}", Cancel);
        var run = Assert.Single(list.GetProperty("evaluations").EnumerateArray());
        Assert.Equal(("local-small", "story-sample", "choice", 3), (run.GetProperty("target").GetString(), run.GetProperty("dataset").GetString(),
            run.GetProperty("mode").GetString(), run.GetProperty("n").GetInt32()));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(data))), run.GetProperty("dataset_sha256").GetString());
        Assert.Equal(result.GetProperty("acc").GetProperty("value").GetDouble(), run.GetProperty("accuracy").GetDouble());
        Assert.Equal(result.GetProperty("acc").GetProperty("ci95_low").GetDouble(), run.GetProperty("accuracy_low").GetDouble());
        Assert.Equal(result.GetProperty("acc_norm").GetProperty("value").GetDouble(), run.GetProperty("acc_norm").GetDouble());
        Assert.True(run.GetProperty("duration_ms").GetInt64() >= 0);
        var categories = run.GetProperty("categories").EnumerateArray().ToList();
        Assert.Equal(["colors", "story"], categories.Select(c => c.GetProperty("category").GetString()));
        Assert.Equal(result.GetProperty("categories")[1].GetProperty("acc").GetProperty("correct").GetInt32(), categories[1].GetProperty("correct").GetInt32());
        Assert.Equal(2, categories[1].GetProperty("n").GetInt32());
    }

    [Fact]
    public void A_save_that_cannot_reach_a_server_fails_after_printing_and_keeps_the_run()
    {
        using var dir = new TempDir();
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var closed = $"127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}";
        listener.Stop(); // a port nothing listens on

        var r = server.Run(null, "eval", Stories, WriteDataset(dir), "--save", "--server", closed);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("stories260K.gguf", r.StdOut); // the table was printed first
        Assert.Contains($"Error: could not save 1 of 1 run to http://{closed}/: could not connect to the Takase server", r.StdErr);
        var file = r.StdErr.Split("the unsaved runs are in ")[1].Split(" (POST")[0];
        using var kept = JsonDocument.Parse(File.ReadAllText(file));
        Assert.Equal("story-sample", Path.GetFileNameWithoutExtension(kept.RootElement[0].GetProperty("dataset").GetString()));
        Assert.Equal(Takase.Routing.Priors.CategoryCentroids.Dimension, kept.RootElement[0].GetProperty("categories")[0].GetProperty("centroid").GetArrayLength());
        File.Delete(file);
    }

    [Theory]
    [InlineData(new[] { "--target", "a" }, "--target names the router target a saved result stands for; add --save")]
    [InlineData(new[] { "--save", "--target", "a", "--target", "b" }, "give one --target per model, in order: 1 model, 2 --target")]
    public void Target_options_that_do_not_fit_are_refused_before_any_model_runs(string[] options, string message)
    {
        using var dir = new TempDir();
        var r = TakaseProcess.Run(null, ["eval", "missing.gguf", WriteDataset(dir), .. options]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(message, r.StdErr);
    }

    [Fact]
    public async Task A_saved_router_evaluation_reads_back()
    {
        using var dir = new TempDir();
        var random = new Random(5);
        var data = dir.File("routing-sample.jsonl");
        File.WriteAllLines(data, Enumerable.Range(0, 30).Select(i => JsonSerializer.Serialize(new
        {
            id = $"q{i}",
            prompt = (i % 2 == 0 ? "prove it rigorously " : "keep it cheerful ") + random.Next(1000),
            scores = new Dictionary<string, double> { ["small"] = i % 2 == 0 ? 0 : 1, ["large"] = 1 },
        })));

        var r = server.Run(null, "router", "eval", data, "--folds", "3", "--json", "--save", "--profile", "auto");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var printed = JsonDocument.Parse(r.StdOut);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{server.Host}/") };
        var list = await http.GetFromJsonAsync<JsonElement>("/api/router/evaluations", Cancel);
        var run = list.GetProperty("evaluations").EnumerateArray().First(e => e.GetProperty("dataset").GetString() == "routing-sample");
        Assert.Equal(("auto", "ngram"), (run.GetProperty("profile").GetString(), run.GetProperty("strategy").GetString()));
        Assert.Equal(printed.RootElement.GetProperty("apgr").GetDouble(), run.GetProperty("apgr").GetDouble());
        Assert.Equal(printed.RootElement.GetProperty("curve").GetArrayLength(), run.GetProperty("curve").GetArrayLength());
        var point = run.GetProperty("curve")[1];
        Assert.Equal(point.GetProperty("strong_share").GetDouble(), point.GetProperty("cost").GetDouble());
    }
}
