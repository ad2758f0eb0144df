using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Takase.Server.Hosting;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Deploy;

/// <summary>GET /api/ready against a real server: 503 naming what it waits for, 200 once its store and preload models are in place.</summary>
public sealed class ReadinessTests : IDisposable
{
    private readonly TempDir _dir = new();

    private WebApplication Build(Action<TakaseServerOptions>? configure = null) =>
        TakaseServer.Build([], o =>
        {
            o.Host = "127.0.0.1:0";
            o.ModelsDirectory = _dir.Path;
            o.IncludeOllamaModels = false;
            o.Database.Path = _dir.File("db/takase.db");
            configure?.Invoke(o);
        });

    [Fact]
    public async Task Without_preload_models_a_started_node_is_ready_with_its_store()
    {
        await using var app = Build();
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var (status, body) = await ReadyAsync(http);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("ready").GetBoolean());
        Assert.Equal($"SQLite {_dir.File("db/takase.db")}", body.GetProperty("store").GetString());
        Assert.Empty(body.GetProperty("models").EnumerateArray());
        Assert.False(body.TryGetProperty("waiting_for", out _));
    }

    [Fact]
    public async Task A_pending_preload_answers_503_naming_the_model_then_200_once_it_is_loaded()
    {
        var model = SharedData.Path("models/stories260K.gguf");
        await using var app = Build(o => o.Preload = ["stories260K"]);
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        // The model is not on the volume yet: the node is alive but waits, and says for what and why.
        var (status, body) = await ReadyAsync(http);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.False(body.GetProperty("ready").GetBoolean());
        Assert.Equal(["model stories260K:latest"], body.GetProperty("waiting_for").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/version", TestContext.Current.CancellationToken)).StatusCode);

        // The model arrives (as when a volume is filled after the pod started); the preload retries and loads it.
        File.CreateSymbolicLink(_dir.File("stories260K.gguf"), model);
        (status, body) = await PollUntilReadyAsync(http, TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["stories260K:latest"], body.GetProperty("models").EnumerateArray().Select(e => e.GetString()));

        // Loaded and kept loaded: /api/ps lists it without a request having asked for it.
        using var ps = JsonDocument.Parse(await http.GetStringAsync("/api/ps", TestContext.Current.CancellationToken));
        Assert.Contains("stories260K:latest", ps.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task The_probe_needs_no_API_key_on_a_server_that_requires_one()
    {
        await using var app = Build(o => o.Auth.Required = "true");
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/tags", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(http)).Status);
    }

    [Fact]
    public void Preloading_more_models_than_may_stay_loaded_stops_start_up_naming_both_settings()
    {
        var e = Assert.Throws<ArgumentException>(() => Build(o =>
        {
            o.MaxLoadedModels = 1;
            o.Preload = ["a", "b"];
        }));
        Assert.Contains("Takase:Preload names 2 models but Takase:MaxLoadedModels is 1", e.Message);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync(HttpClient http)
    {
        var response = await http.GetAsync("/api/ready", TestContext.Current.CancellationToken);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (response.StatusCode, json.RootElement.Clone());
    }

    /// <summary>Asks /api/ready as a readiness probe does, until 200 or the deadline (the preload loads in the background).</summary>
    private static async Task<(HttpStatusCode Status, JsonElement Body)> PollUntilReadyAsync(HttpClient http, TimeSpan deadline)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var answer = await ReadyAsync(http);
            if (answer.Status == HttpStatusCode.OK || clock.Elapsed > deadline) return answer;
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
