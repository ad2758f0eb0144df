using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Takase.Routing.Learned;
using Takase.Tests.Support;

namespace Takase.Cli.Tests;

/// <summary>`takase router train --feedback` against a real `takase serve` that requires API keys.</summary>
public sealed class RouterFeedbackTrainingTests : IDisposable
{
    private const string AdminKey = "tk_cli-feedback-admin-key-0123456789";
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
    private readonly TempDir _dir = new();
    private readonly Process _server;
    private readonly string _host;

    public RouterFeedbackTrainingTests() => (_server, _host) = ServeProcess.Start(_dir.Path, new Dictionary<string, string>
    {
        ["TAKASE__Auth__Required"] = "true",
        ["TAKASE__Auth__AdminKey"] = AdminKey,
        ["TAKASE_HOME"] = Path.Combine(_dir.Path, "home"), // its own database: only this test's feedback
    });

    public void Dispose()
    {
        if (!_server.HasExited) _server.Kill(entireProcessTree: true);
        _server.Dispose();
        _dir.Dispose();
    }

    private async Task PostFeedbackAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{_host}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        for (var i = 0; i < 12; i++)
        {
            foreach (var body in new object[]
            {
                new { preference = new { chosen = "gpt", rejected = "local", prompt = $"Prove the lemma about primes number {i}" } },
                new { preference = new { chosen = "local", rejected = "gpt", prompt = $"Write a haiku about spring number {i}" } },
            })
            {
                using var response = await http.PostAsJsonAsync("/api/feedback", body, Cancel);
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }
        }
        // A prompt scored only against the human desk names neither model and is left out.
        using var desk = await http.PostAsJsonAsync("/api/feedback", new { preference = new { chosen = "desk", rejected = "local", prompt = "I want a refund" } }, Cancel);
        Assert.Equal(HttpStatusCode.Created, desk.StatusCode);
    }

    [Fact]
    public async Task Train_reads_the_servers_feedback_with_the_API_key_and_mixes_it_with_data()
    {
        await PostFeedbackAsync();
        var output = _dir.File("from-feedback.json");
        var env = new Dictionary<string, string> { ["TAKASE_HOST"] = _host, ["TAKASE_API_KEY"] = AdminKey };

        var alone = TakaseProcess.RunWith(env, null, "router", "train", "--feedback", "--weak", "local", "--strong", "gpt", "--out", output);
        Assert.True(alone.ExitCode == 0, alone.StdErr);
        Assert.Contains($"feedback: 24 prompts from http://{_host}/api/feedback/routing.jsonl (×1), 1 without both local and gpt skipped", alone.StdOut);
        Assert.Contains("trained ngram on 24 prompts", alone.StdOut);
        var model = RoutingModelFile.Load(output);
        Assert.Equal(("local", "gpt"), (model.Weak, model.Strong));
        Assert.True(model.Score("Prove the lemma about primes number 99").StrongNeed > model.Score("Write a haiku about spring number 99").StrongNeed);

        // Mixed with a data file (whose names match), each feedback prompt counting twice: 10 + 24 × 2 rows.
        var data = _dir.File("data.jsonl");
        File.WriteAllLines(data, Enumerable.Range(0, 10).Select(i => JsonSerializer.Serialize(new
        {
            id = $"d{i}",
            prompt = $"Summarise chapter {i}",
            scores = new Dictionary<string, double> { ["local"] = 1, ["gpt"] = 1 },
        })));
        var mixed = TakaseProcess.RunWith(env, null, "router", "train", data, "--feedback", "--server", _host, "--feedback-weight", "2", "--weak", "local",
            "--strong", "gpt", "--out", _dir.File("mixed.json"));
        Assert.True(mixed.ExitCode == 0, mixed.StdErr);
        Assert.Contains("trained ngram on 58 prompts of data.jsonl + http://", mixed.StdOut);
    }

    [Fact]
    public void Without_the_key_the_server_refuses_and_the_CLI_says_where_the_key_goes()
    {
        var refused = TakaseProcess.RunWith(new Dictionary<string, string> { ["TAKASE_HOST"] = _host, ["TAKASE_API_KEY"] = "" }, null,
            "router", "train", "--feedback", "--weak", "local", "--strong", "gpt", "--out", _dir.File("never.json"));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("TAKASE_API_KEY", refused.StdErr);
        Assert.False(File.Exists(_dir.File("never.json")));
    }

    [Fact]
    public void Training_on_feedback_alone_needs_the_target_names()
    {
        var r = TakaseProcess.RunWith(new Dictionary<string, string> { ["TAKASE_HOST"] = _host, ["TAKASE_API_KEY"] = AdminKey }, null,
            "router", "train", "--feedback", "--out", _dir.File("never.json"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--weak and --strong", r.StdErr);
    }

    [Fact]
    public void Neither_data_nor_feedback_is_an_error_that_says_what_to_give()
    {
        var r = TakaseProcess.Run(null, "router", "train", "--out", _dir.File("never.json"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("give DATA.jsonl, --feedback, or both", r.StdErr);
    }
}
