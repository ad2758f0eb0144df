using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Takase.Server.Hosting;
using Takase.Server.Operators;
using Takase.Server.Tests.Routing;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Operators;

/// <summary>
/// A real Takase server (auth off, its own SQLite database) whose router hands requests to people, with a
/// <see cref="FakeProvider"/> behind the remote target "remote-ok". Human targets: "desk" (an SLA long enough for a
/// test to answer, AI drafts by remote-ok) and "desk-quick" (an SLA of half a second, remote-ok answering after it).
/// "desk-broken" falls back to "remote-500", which always fails. "remote-alt" (privacy External, the same provider) is in
/// no profile: operators ask it for a second-opinion draft.
/// Profiles: "to-desk" (the router's first choice is the desk), "support" (remote-ok first; a rule requires the desk for
/// complaints; the default hand-off phrases), "sla" (desk-quick alone), "sla-broken" (desk-broken alone), "unsure" (a learned
/// router whose uncertain band sends most prompts to the desk), "cascade-desk" (a cascade that escalates from
/// remote-ok to the desk).
/// </summary>
public sealed class OperatorServer : IAsyncLifetime
{
    /// <summary>The SLA of "desk-quick".</summary>
    public static readonly TimeSpan QuickSla = TimeSpan.FromSeconds(0.5);

    private readonly TempDir _dir = new();
    private WebApplication? _app;

    /// <summary>The provider behind remote-ok.</summary>
    public FakeProvider Provider { get; private set; } = null!;
    /// <summary>A client for Takase.</summary>
    public HttpClient Http { get; private set; } = null!;
    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseAddress { get; private set; } = null!;
    /// <summary>The server's services.</summary>
    public IServiceProvider Services => _app!.Services;

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        Provider = await FakeProvider.StartAsync();
        const string r = "--Takase:Router:";
        string[] args =
        [
            $"{r}Targets:remote-ok:Kind=Remote", $"{r}Targets:remote-ok:Endpoint={Provider.Endpoint("ok")}", $"{r}Targets:remote-ok:Model=fake-model",
            // A second opinion for drafts: the same provider, as a third-party service.
            $"{r}Targets:remote-alt:Kind=Remote", $"{r}Targets:remote-alt:Endpoint={Provider.Endpoint("ok")}", $"{r}Targets:remote-alt:Model=fake-model",
            $"{r}Targets:remote-alt:Privacy=External",
            $"{r}Targets:desk:Kind=Human", $"{r}Targets:desk:Timeout=00:00:30", $"{r}Targets:desk:DraftTarget=remote-ok",
            $"{r}Targets:desk-quick:Kind=Human", $"{r}Targets:desk-quick:Timeout={QuickSla:c}", $"{r}Targets:desk-quick:SlaFallback=remote-ok",
            $"{r}Profiles:to-desk:Candidates:0=desk", $"{r}Profiles:to-desk:Candidates:1=remote-ok",
            $"{r}Profiles:support:Candidates:0=remote-ok", $"{r}Profiles:support:Candidates:1=desk",
            $"{r}Profiles:support:Rules:0:Name=complaint", $"{r}Profiles:support:Rules:0:Keywords:0=complaint",
            $"{r}Profiles:support:Rules:0:Keywords:1=苦情", $"{r}Profiles:support:Rules:0:Action=Require", $"{r}Profiles:support:Rules:0:Target=desk",
            $"{r}Profiles:sla:Candidates:0=desk-quick",
            // A profile whose rule keeps confidential prompts on local targets: second opinions must respect it.
            $"{r}Profiles:guarded:Candidates:0=desk", $"{r}Profiles:guarded:Rules:0:Name=confidential",
            $"{r}Profiles:guarded:Rules:0:Keywords:0=confidential", $"{r}Profiles:guarded:Rules:0:Action=LimitPrivacy",
            $"{r}Profiles:guarded:Rules:0:MaxPrivacy=Local",
            // An SLA whose fallback fails too.
            $"{r}Targets:remote-500:Kind=Remote", $"{r}Targets:remote-500:Endpoint={Provider.Endpoint("500-operators")}", $"{r}Targets:remote-500:Model=fake-model",
            $"{r}Targets:desk-broken:Kind=Human", $"{r}Targets:desk-broken:Timeout={QuickSla:c}", $"{r}Targets:desk-broken:SlaFallback=remote-500",
            $"{r}Profiles:sla-broken:Candidates:0=desk-broken",
            // A cascade whose model gives no log-probabilities to judge by (and has no verifier): always low-confidence.
            $"{r}Profiles:cascade-desk:Strategy=Cascade", $"{r}Profiles:cascade-desk:Candidates:0=remote-ok", $"{r}Profiles:cascade-desk:Candidates:1=desk",
            $"{r}Profiles:cascade-desk:Handoff:CascadeToHuman=true",
        ];
        Directory.CreateDirectory(_dir.File("db"));
        Directory.CreateDirectory(_dir.File("models"));
        TrainRouter(_dir.File("models/unsure-router.json"));
        args =
        [
            .. args,
            // A learned profile whose uncertain band covers every score below its threshold: the desk answers those.
            $"{r}Profiles:unsure:Strategy=NGram", $"{r}Profiles:unsure:ModelPath=unsure-router.json", $"{r}Profiles:unsure:Threshold=0.999",
            $"{r}Profiles:unsure:Candidates:0=remote-ok", $"{r}Profiles:unsure:Candidates:1=desk",
            $"{r}Profiles:unsure:Handoff:LowConfidenceMin=0", $"{r}Profiles:unsure:Handoff:LowConfidenceMax=0.998",
        ];
        _app = TakaseServer.Build(args, o =>
        {
            o.Host = "127.0.0.1:0";
            o.IncludeOllamaModels = false;
            o.ModelsDirectory = _dir.File("models");
            o.Database.Path = _dir.File("db/takase.db");
        });
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.First().TrimEnd('/') + "/");
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
    }

    /// <summary>An n-gram router where prompts about a theorem need the strong tier and stories do not.</summary>
    private static void TrainRouter(string path)
    {
        var examples = new List<Takase.Routing.Data.RoutingExample>();
        string[] hard = ["Prove this theorem", "Is the theorem true?"], easy = ["Tell me a story", "A story about a dog"];
        for (var i = 0; i < 20; i++)
        {
            examples.Add(new(examples.Count + 1, $"h{i}", null, hard[i % 2] + $" #{i}", null, new Dictionary<string, double> { ["weak"] = 0, ["strong"] = 1 }));
            examples.Add(new(examples.Count + 1, $"e{i}", null, easy[i % 2] + $" #{i}", null, new Dictionary<string, double> { ["weak"] = 1, ["strong"] = 1 }));
        }
        var data = Takase.Routing.Data.RoutingDataset.FromExamples("synthetic", "weak", "strong", examples);
        Takase.Routing.Learned.RoutingModelFile.Save(Takase.Routing.Learned.RouterTraining.Train(data), path);
    }

    /// <summary>The desk's queue and tickets.</summary>
    public OperatorDesk Desk => Services.GetRequiredService<OperatorDesk>();

    /// <summary>
    /// The open ticket whose first user message is <paramref name="question"/>, once the request has opened it (the
    /// request runs concurrently; this reads the queue until the ticket is there).
    /// </summary>
    public async Task<string> TicketOfAsync(string question, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        while (true)
        {
            var queue = await Http.GetFromJsonAsync<JsonElement>("api/operator/tickets?status=all", timeout.Token);
            foreach (var t in queue.GetProperty("tickets").EnumerateArray())
                if (t.GetProperty("preview").GetString() == question) return t.GetProperty("id").GetString()!;
            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>Answers a ticket through the operator API.</summary>
    public async Task AnswerAsync(string ticketId, string content, CancellationToken cancel)
    {
        using var response = await Http.PostAsJsonAsync($"api/operator/tickets/{ticketId}/answer", new { content }, cancel);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(cancel));
    }

    /// <summary>The operator view of a ticket.</summary>
    public Task<JsonElement> TicketAsync(string ticketId, CancellationToken cancel) =>
        Http.GetFromJsonAsync<JsonElement>($"api/operator/tickets/{ticketId}", cancel);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        if (Provider is not null) await Provider.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}

/// <summary>Test classes in this collection share one operator server.</summary>
[CollectionDefinition("operators")]
public sealed class OperatorCollection : ICollectionFixture<OperatorServer>;
