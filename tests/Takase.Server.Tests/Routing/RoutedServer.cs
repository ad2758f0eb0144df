using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Takase.Server.Hosting;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Routing;

/// <summary>
/// A real Takase server with a router configured through its command-line configuration keys (as an operator would
/// write them in appsettings.json or TAKASE__ variables), and a <see cref="FakeProvider"/> behind its remote targets.
/// The local target is stories260K. Each failure mode has its own remote targets and profiles ("fb-500" tries
/// "remote-500", then "local"), so circuits and counts never mix between tests. The profile "private" has a privacy
/// policy in front of an "echo" remote target; everything the server logs is kept in <see cref="Logs"/>.
/// </summary>
public sealed class RoutedServer : IAsyncLifetime
{
    /// <summary>The failure modes with a profile "fb-{mode}" of their own.</summary>
    public static readonly string[] FailureModes = ["500", "429", "hang", "garbage", "context", "cut"];

    /// <summary>The timeout of the hanging target.</summary>
    public static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(1.5);

    private readonly TempDir _dir = new();
    private WebApplication? _app;

    /// <summary>The provider behind the remote targets.</summary>
    public FakeProvider Provider { get; private set; } = null!;
    /// <summary>http://127.0.0.1:port/ of Takase.</summary>
    public Uri BaseAddress { get; private set; } = null!;
    /// <summary>A client for Takase.</summary>
    public HttpClient Http { get; private set; } = null!;
    /// <summary>Every line the server logged, at every level.</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>The provider slot behind the "private" profile's remote target.</summary>
    public const string PrivateSlot = "echo-private";

    /// <summary>The configuration keys of the router under test.</summary>
    public static List<string> RouterArguments(FakeProvider provider)
    {
        const string r = "--Takase:Router:";
        List<string> args =
        [
            $"{r}Targets:local:Kind=Local", $"{r}Targets:local:Model=stories260K", $"{r}Targets:local:ContextLength=512",
            $"{r}Targets:remote-ok:Kind=Remote", $"{r}Targets:remote-ok:Endpoint={provider.Endpoint("ok")}",
            $"{r}Targets:remote-ok:Model=fake-model", $"{r}Targets:remote-ok:Privacy=External",
            $"{r}Targets:remote-ok:InputCostPerMillion=2.5", $"{r}Targets:remote-ok:OutputCostPerMillion=10",
            // The operator desk: nobody answers it in these tests, so its SLA passes and the next candidate answers.
            $"{r}Targets:desk:Kind=Human", $"{r}Targets:desk:Timeout=00:00:00.3",
            $"{r}Profiles:auto:Candidates:0=remote-ok", $"{r}Profiles:auto:Candidates:1=local",
            $"{r}Profiles:auto-local:Candidates:0=local",
            $"{r}Profiles:desk-first:Candidates:0=desk", $"{r}Profiles:desk-first:Candidates:1=local",
            // The breaker fails like fb-500 but has a target (and so a circuit) of its own.
            $"{r}Targets:remote-breaker:Kind=Remote", $"{r}Targets:remote-breaker:Endpoint={provider.Endpoint("500-breaker")}",
            $"{r}Targets:remote-breaker:Model=fake-model",
            $"{r}Profiles:breaker:Candidates:0=remote-breaker", $"{r}Profiles:breaker:Candidates:1=local",
            // Cascades from the local model to the remote one: always escalating (every answer's mean log-probability
            // is below 0), never escalating, and asking the remote target to verify (it never says a clear yes).
            $"{r}Profiles:cascade-up:Strategy=Cascade", $"{r}Profiles:cascade-up:Candidates:0=local", $"{r}Profiles:cascade-up:Candidates:1=remote-ok",
            $"{r}Profiles:cascade-up:Cascade:MinMeanLogprob=0",
            $"{r}Profiles:cascade-keep:Strategy=Cascade", $"{r}Profiles:cascade-keep:Candidates:0=local", $"{r}Profiles:cascade-keep:Candidates:1=remote-ok",
            $"{r}Profiles:cascade-keep:Cascade:MinMeanLogprob=-1000",
            $"{r}Profiles:cascade-verified:Strategy=Cascade", $"{r}Profiles:cascade-verified:Candidates:0=local",
            $"{r}Profiles:cascade-verified:Candidates:1=remote-ok",
            $"{r}Profiles:cascade-verified:Cascade:MinMeanLogprob=-1000", $"{r}Profiles:cascade-verified:Cascade:Verifier=remote-ok",
            // Nothing answers: a failing remote, then an operator desk nobody answers.
            $"{r}Targets:remote-all:Kind=Remote", $"{r}Targets:remote-all:Endpoint={provider.Endpoint("500-all")}",
            $"{r}Targets:remote-all:Model=fake-model",
            $"{r}Profiles:all-fail:Candidates:0=remote-all", $"{r}Profiles:all-fail:Candidates:1=desk",
            // Two failures in a row open a circuit, and it stays open for the rest of the run.
            $"{r}Fallback:MinimumThroughput=2", $"{r}Fallback:FailureRatio=0.5", $"{r}Fallback:BreakDuration=00:10:00",
            // A privacy policy in front of a remote target that echoes the placeholders it receives, then the local model.
            $"{r}Targets:remote-echo:Kind=Remote", $"{r}Targets:remote-echo:Endpoint={provider.Endpoint(PrivateSlot)}",
            $"{r}Targets:remote-echo:Model=fake-model", $"{r}Targets:remote-echo:Privacy=External", $"{r}Targets:remote-echo:Capabilities=Tools",
            $"{r}Profiles:private:Candidates:0=remote-echo", $"{r}Profiles:private:Candidates:1=local",
            $"{r}Profiles:private:Privacy:Default=Allow", $"{r}Profiles:private:Privacy:Language=auto",
            $"{r}Profiles:private:Privacy:Entities:EMAIL=Redact", $"{r}Profiles:private:Privacy:Entities:PERSON=Redact",
            $"{r}Profiles:private:Privacy:Entities:PHONE=Redact", $"{r}Profiles:private:Privacy:Entities:POSTAL_CODE=Redact",
            $"{r}Profiles:private:Privacy:Entities:ADDRESS=Redact", $"{r}Profiles:private:Privacy:Entities:IP_ADDRESS=Mask",
            $"{r}Profiles:private:Privacy:Entities:MY_NUMBER=Block", $"{r}Profiles:private:Privacy:Entities:CREDIT_CARD=LocalOnly",
            // The local model alone, redacted too.
            $"{r}Profiles:private-local:Candidates:0=local", $"{r}Profiles:private-local:Privacy:RedactLocal=true",
            $"{r}Profiles:private-local:Privacy:Entities:EMAIL=Redact",
        ];
        // Each failure mode has a profile for whole answers ("fb-500") and one for streams ("fb-500-s"), each with a
        // target of its own, so the two failures of a mode never add up to an open circuit.
        foreach (var mode in FailureModes)
            foreach (var name in new[] { mode, mode + "-s" })
            {
                args.Add($"{r}Targets:remote-{name}:Kind=Remote");
                args.Add($"{r}Targets:remote-{name}:Endpoint={provider.Endpoint(name)}");
                args.Add($"{r}Targets:remote-{name}:Model=fake-model");
                args.Add($"{r}Targets:remote-{name}:Timeout={(mode == "hang" ? HangTimeout : TimeSpan.FromSeconds(20)):c}");
                args.Add($"{r}Profiles:fb-{name}:Candidates:0=remote-{name}");
                args.Add($"{r}Profiles:fb-{name}:Candidates:1=local");
            }
        args.AddRange([
            $"{r}Targets:remote-openai:Kind=Remote", $"{r}Targets:remote-openai:Endpoint={provider.Endpoint("500-openai")}",
            $"{r}Targets:remote-openai:Model=fake-model",
            $"{r}Profiles:fb-openai:Candidates:0=remote-openai", $"{r}Profiles:fb-openai:Candidates:1=local",
        ]);
        return args;
    }

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        if (SharedData.RootOrNull is not null)
            File.CreateSymbolicLink(_dir.File("stories260K.gguf"), SharedData.Path("models/stories260K.gguf"));
        Provider = await FakeProvider.StartAsync();
        TrainLearnedRouter(_dir.File(LearnedRouterFile));
        const string r = "--Takase:Router:";
        string[] learned =
        [
            // An n-gram router trained on prompts where "theorem" needs the strong model; its file lives in the models
            // folder, named relative to it as an operator would.
            $"{r}Profiles:learned:Strategy=NGram", $"{r}Profiles:learned:ModelPath={LearnedRouterFile}", $"{r}Profiles:learned:Threshold=0.5",
            $"{r}Profiles:learned:Candidates:0=local", $"{r}Profiles:learned:Candidates:1=remote-ok",
        ];
        _app = TakaseServer.Build([.. RouterArguments(Provider), .. learned, "--Logging:Capture:LogLevel:Default=Trace"], o =>
        {
            o.Host = "127.0.0.1:0";
            o.IncludeOllamaModels = false;
            o.ModelsDirectory = _dir.Path;
            o.ParallelSlots = 4;
            o.MaxQueue = 64;
        });
        _app.Services.GetRequiredService<ILoggerFactory>().AddProvider(Logs);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.First().TrimEnd('/') + "/");
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
    }

    /// <summary>The trained router of the "learned" profile, in the models folder.</summary>
    public const string LearnedRouterFile = "learned-router.json";

    /// <summary>Trains an n-gram router where prompts about a theorem need the strong model and stories do not.</summary>
    private static void TrainLearnedRouter(string path)
    {
        var examples = TheoremRoutingPrompts.Examples().Select((e, i) => new Takase.Routing.Data.RoutingExample(i + 1, e.Id, null, e.Prompt, null, e.Scores)).ToList();
        var data = Takase.Routing.Data.RoutingDataset.FromExamples("synthetic", TheoremRoutingPrompts.Weak, TheoremRoutingPrompts.Strong, examples);
        Takase.Routing.Learned.RoutingModelFile.Save(Takase.Routing.Learned.RouterTraining.Train(data), path);
    }

    /// <summary>Skips the calling test when the shared models are absent.</summary>
    public void RequireModels() => SharedData.Path("models/stories260K.gguf");

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        if (Provider is not null) await Provider.DisposeAsync();
        _dir.Dispose();
    }
}

/// <summary>Test classes in this collection share one routed server.</summary>
[CollectionDefinition("routed")]
public sealed class RoutedCollection : ICollectionFixture<RoutedServer>;
