using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takase.Server.Models;
using Takase.Server.Persistence;

namespace Takase.Server.Hosting;

/// <summary>
/// GET /api/ready: whether this node can serve, for a load balancer's readiness probe (Kubernetes sends no traffic
/// to a pod until it answers 200). Ready means the store is open at the schema this build knows, and every model of
/// <see cref="TakaseServerOptions.Preload"/> has been loaded since start. Liveness stays GET /api/version, which
/// answers as soon as the process serves: a node that is loading a large model is alive but not yet ready.
/// </summary>
public static class ReadinessApi
{
    /// <summary>Maps /api/ready and starts loading the preload models in the background once the server listens.</summary>
    /// <exception cref="ArgumentException">more models to preload than <see cref="TakaseServerOptions.MaxLoadedModels"/> allows at once.</exception>
    public static void Map(WebApplication app)
    {
        var options = app.Services.GetRequiredService<TakaseServerOptions>();
        if (options.Preload.Count > options.MaxLoadedModels)
            throw new ArgumentException($"Takase:Preload names {options.Preload.Count} models but Takase:MaxLoadedModels is {options.MaxLoadedModels}; "
                + "raise MaxLoadedModels or preload fewer models, or the first would be unloaded to make room for the last");
        var preloader = new Preloader(app.Services.GetRequiredService<ModelManager>(), options.Preload,
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Takase.Preload"));
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        // Started once Kestrel listens, so the probe can see the node wait for its models.
        lifetime.ApplicationStarted.Register(() => preloader.Start(lifetime.ApplicationStopping));
        app.MapMethods("/api/ready", ["GET", "HEAD"], (HttpContext http) => Answer(http.RequestServices, options, preloader));
    }

    private static IResult Answer(IServiceProvider services, TakaseServerOptions options, Preloader preloader)
    {
        var waiting = new List<string>();
        var problems = new List<string>();
        string? store = null;
        try
        {
            var opened = services.GetRequiredService<TakaseStore>();
            var latest = TakaseStore.LatestSchemaVersion(options.Database.ResolveProvider());
            if (opened.SchemaVersion == latest) store = opened.Description;
            else
            {
                waiting.Add("store");
                problems.Add($"store {opened.Description} is at schema {opened.SchemaVersion}, this build needs {latest}");
            }
        }
        catch (StoreUnavailableException e)
        {
            // The singleton is built again on the next request, so a database that comes back makes the node ready.
            waiting.Add("store");
            problems.Add(e.Message);
        }
        var models = new List<string>();
        foreach (var state in preloader.States)
        {
            if (state.Loaded) models.Add(state.Name);
            else
            {
                waiting.Add($"model {state.Name}");
                if (state.LastError is { } error) problems.Add($"model {state.Name}: {error}");
            }
        }
        return waiting.Count == 0
            ? TypedResults.Json(new ReadyResponse(true, store, models, null, null))
            : TypedResults.Json(new ReadyResponse(false, store, models, waiting, problems.Count > 0 ? problems : null),
                statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>The answer of GET /api/ready.</summary>
    /// <param name="Ready">Whether the node can serve now.</param>
    /// <param name="Store">The open store ("SQLite /data/takase.db", "PostgreSQL host/db"), null until it is open.</param>
    /// <param name="Models">Preload models loaded so far.</param>
    /// <param name="WaitingFor">What keeps the node from being ready ("store", "model llama3:latest"); absent when ready.</param>
    /// <param name="Errors">Why the last attempts failed, for an operator reading the probe; absent when none did.</param>
    public sealed record ReadyResponse(
        [property: JsonPropertyName("ready")] bool Ready,
        [property: JsonPropertyName("store"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Store,
        [property: JsonPropertyName("models")] IReadOnlyList<string> Models,
        [property: JsonPropertyName("waiting_for"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? WaitingFor,
        [property: JsonPropertyName("errors"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Errors);

    /// <summary>One preload model: loaded yet, and the last failure while trying.</summary>
    private sealed class PreloadState(string name)
    {
        public string Name { get; } = name;
        public volatile bool Loaded;
        public volatile string? LastError;
    }

    /// <summary>
    /// Loads each preload model once, kept loaded (keep-alive forever), one after another. A model that is missing
    /// or fails to load is retried with a growing pause (up to 30 s): on a fresh node the models may still be on
    /// their way to the volume, and the probe names what is missing meanwhile.
    /// </summary>
    private sealed class Preloader(ModelManager models, IReadOnlyList<string> names, ILogger log)
    {
        private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
        private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(30);

        public IReadOnlyList<PreloadState> States { get; } = [.. names.Select(n => new PreloadState(ModelCatalog.Normalize(n) ?? n))];

        public void Start(CancellationToken stopping) => _ = Task.Run(() => RunAsync(stopping), CancellationToken.None);

        private async Task RunAsync(CancellationToken stopping)
        {
            try
            {
                foreach (var state in States) await LoadAsync(state, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }
        }

        private async Task LoadAsync(PreloadState state, CancellationToken stopping)
        {
            var pause = FirstRetry;
            while (true)
            {
                try
                {
                    using (await models.AcquireAsync(state.Name, KeepAlive.Forever, stopping)) { }
                    state.LastError = null;
                    state.Loaded = true;
                    log.LogInformation("preloaded {Model}", state.Name);
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    var reason = e.Message;
                    if (reason != state.LastError)
                        log.LogWarning("could not preload {Model}, retrying every {Pause} or less: {Reason}", state.Name, LongestRetry, reason);
                    state.LastError = reason;
                }
                await Task.Delay(pause, stopping);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestRetry.Ticks));
            }
        }
    }
}
