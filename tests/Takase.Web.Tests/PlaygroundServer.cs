using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Takase.Routing.Data;
using Takase.Routing.Learned;
using Takase.Server.Hosting;
using Takase.Tests.Support;

namespace Takase.Web.Tests;

/// <summary>
/// A real Takase server on loopback for the playground and dashboard tests, with two real tiny local models
/// (stories260K F32 and Q8_0 from ../shared) behind the targets "small" and "small-q8" (priced, so decisions carry
/// estimated costs), a profile "learned" whose n-gram router (trained here) sends prompts about a theorem to
/// "small-q8" and stories to "small", and a profile "slow" whose remote target streams one word and then never
/// finishes (<see cref="SlowProvider"/>), so Stop has something to abort. One per test class; tests that need the
/// models call <see cref="RequireModels"/>, which skips them where ../shared is absent.
/// </summary>
public sealed class PlaygroundServer : IAsyncLifetime
{
    /// <summary>The local model names as /api/tags lists them.</summary>
    public const string Small = "stories260K:latest", SmallQ8 = "stories260K-Q8_0:latest";

    private const string SmallFile = "stories260K", SmallQ8File = "stories260K-Q8_0";

    private readonly TempDir _dir = new();
    private WebApplication? _app;

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseAddress { get; private set; } = null!;
    /// <summary>A client for the server.</summary>
    public HttpClient Http { get; private set; } = null!;
    /// <summary>The remote target that never finishes.</summary>
    public SlowProvider Slow { get; private set; } = null!;

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        if (SharedData.RootOrNull is not null)
        {
            File.CreateSymbolicLink(_dir.File(SmallFile + ".gguf"), SharedData.Path("models/stories260K.gguf"));
            File.CreateSymbolicLink(_dir.File(SmallQ8File + ".gguf"), SharedData.Path("models/stories260K-Q8_0.gguf"));
        }
        TrainRouter(_dir.File("router.json"));
        Slow = await SlowProvider.StartAsync();
        const string r = "--Takase:Router:";
        string[] args =
        [
            $"{r}Targets:small:Kind=Local", $"{r}Targets:small:Model={SmallFile}", $"{r}Targets:small:ContextLength=512",
            $"{r}Targets:small:InputCostPerMillion=1", $"{r}Targets:small:OutputCostPerMillion=2",
            $"{r}Targets:small-q8:Kind=Local", $"{r}Targets:small-q8:Model={SmallQ8File}", $"{r}Targets:small-q8:ContextLength=512",
            $"{r}Targets:small-q8:InputCostPerMillion=5", $"{r}Targets:small-q8:OutputCostPerMillion=20",
            $"{r}Profiles:learned:Strategy=NGram", $"{r}Profiles:learned:ModelPath=router.json", $"{r}Profiles:learned:Threshold=0.5",
            $"{r}Profiles:learned:Candidates:0=small", $"{r}Profiles:learned:Candidates:1=small-q8",
            $"{r}Targets:slow-remote:Kind=Remote", $"{r}Targets:slow-remote:Endpoint={Slow.Endpoint}", $"{r}Targets:slow-remote:Model=slow-model",
            $"{r}Targets:slow-remote:Timeout=00:02:00",
            $"{r}Profiles:slow:Candidates:0=slow-remote",
            "--Logging:LogLevel:Default=Warning",
        ];
        _app = TakaseServer.Build(args, o =>
        {
            o.Host = "127.0.0.1:0";
            o.IncludeOllamaModels = false;
            o.ModelsDirectory = _dir.Path;
            o.Database.Path = _dir.File("takase.db");
            o.ParallelSlots = 4;
        });
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.First().TrimEnd('/') + "/");
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
    }

    /// <summary>Skips the calling test when the shared models are absent.</summary>
    public void RequireModels() => SharedData.Path("models/stories260K.gguf");

    /// <summary>A whole (non-streamed) /api/chat answer; returns its JSON and the route id header (null for a concrete model).</summary>
    public async Task<(JsonElement Body, string? RouteId)> ChatAsync(string model, string prompt, object options)
    {
        using var response = await Http.PostAsJsonAsync("api/chat", new
        {
            model,
            stream = false,
            messages = new[] { new { role = "user", content = prompt } },
            options,
        }, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"/api/chat with {model} answered {response.StatusCode}: {text}");
        var routeId = response.Headers.TryGetValues("x-takase-route-id", out var ids) ? ids.Single() : null;
        return (JsonDocument.Parse(text).RootElement.Clone(), routeId);
    }

    /// <summary>GET <paramref name="path"/> as JSON.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The labelled prompts the "learned" profile is trained on (<see cref="TheoremRoutingPrompts"/>).</summary>
    public static RoutingDataset TheoremData() => RoutingDataset.FromExamples("synthetic", TheoremRoutingPrompts.Weak, TheoremRoutingPrompts.Strong,
        TheoremRoutingPrompts.Examples().Select((e, i) => new RoutingExample(i + 1, e.Id, null, e.Prompt, null, e.Scores)).ToList());

    /// <summary>Trains an n-gram router where prompts about a theorem need the strong tier and stories do not.</summary>
    private static void TrainRouter(string path) => RoutingModelFile.Save(RouterTraining.Train(TheoremData()), path);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        if (Slow is not null) await Slow.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}

/// <summary>
/// An OpenAI-compatible target on loopback that streams <see cref="FirstWord"/> and then holds the stream open until
/// the caller goes away; <see cref="Aborted"/> completes when it does, so a test can see Stop reach the target.
/// </summary>
public sealed class SlowProvider : IAsyncDisposable
{
    /// <summary>The only text it ever sends.</summary>
    public const string FirstWord = "Slowly";

    private readonly WebApplication _app;
    private TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SlowProvider(WebApplication app) => _app = app;

    /// <summary>Its OpenAI base URL.</summary>
    public Uri Endpoint => new(_app.Urls.First().TrimEnd('/') + "/v1");

    /// <summary>Completes when the caller of the latest request disconnected.</summary>
    public Task Aborted => _aborted.Task;

    /// <summary>Starts the provider.</summary>
    public static async Task<SlowProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new SlowProvider(app);
        app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            provider._aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
            http.Response.ContentType = "text/event-stream";
            var chunk = JsonSerializer.Serialize(new
            {
                id = "slow-1",
                @object = "chat.completion.chunk",
                created = 1_700_000_000,
                model = "slow-model",
                choices = new[] { new { index = 0, delta = new { role = "assistant", content = FirstWord }, finish_reason = (string?)null } },
            });
            await http.Response.WriteAsync($"data: {chunk}\n\n", http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
            try
            {
                await Task.Delay(Timeout.Infinite, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                provider._aborted.TrySetResult();
            }
        });
        await app.StartAsync();
        return provider;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2))) await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
