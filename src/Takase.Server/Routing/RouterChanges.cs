using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takase.Routing.Configuration;
using Takase.Server.Persistence;

namespace Takase.Server.Routing;

/// <summary>
/// Admin changes to targets and profiles outlive a restart and reach every node: each PUT is stored, and the stored
/// changes are applied over the configuration at start-up (in the order they were made, before requests are served),
/// then re-read every <c>Takase:Router:RefreshInterval</c>, so a change made on another node of the same database is
/// followed here too. Each change is applied as an admin change on this node is: the whole configuration is validated
/// and swapped in at once. A stored change that no longer fits (the configuration lost a target it names, say) is
/// skipped with a warning naming it, never a failed start; it is tried again at each refresh, quietly.
/// </summary>
/// <remarks>
/// "New" means: not what this node last applied under that kind and name. The store keeps one row per target or
/// profile — the last written, from whichever node — so comparing the row with the one applied needs no agreement
/// between the nodes' clocks. A PUT here and a refresh never interleave (<see cref="HoldAsync"/>), so a refresh cannot
/// put back the row a PUT on this node is replacing.
/// </remarks>
internal sealed class RouterChanges(IServiceProvider services, ILogger<RouterChanges> log) : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<(string Kind, string Name), RouterChange> _applied = [];
    private readonly HashSet<string> _warned = [];

    /// <summary>"Targets" → "target", "Profiles" → "profile".</summary>
    public static string KindOf(string section) => section == "Targets" ? "target" : "profile";

    /// <summary>Holds off refreshes while an admin change on this node is applied and stored.</summary>
    public async Task<IDisposable> HoldAsync(CancellationToken cancel)
    {
        await _gate.WaitAsync(cancel);
        return new Release(_gate);
    }

    /// <summary>Records a change this node applied and stored itself (call while holding <see cref="HoldAsync"/>).</summary>
    public void Applied(RouterChange change) => _applied[(change.Kind, change.Name.ToLowerInvariant())] = change;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var count = await RefreshAsync(cancellationToken);
        if (count > 0) log.LogInformation("applied {Count} router change(s) made through the admin API", count);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<IRouterChangeStore>() is null) return;
        using var timer = new PeriodicTimer(services.GetRequiredService<RouterHost>().Options.RefreshInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var count = await RefreshAsync(stoppingToken);
                if (count > 0) log.LogInformation("applied {Count} router change(s) made on another node", count);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Reads the stored changes and applies those this node has not; returns how many it applied.</summary>
    internal async Task<int> RefreshAsync(CancellationToken cancel)
    {
        if (services.GetService<IRouterChangeStore>() is not { } store) return 0;
        var host = services.GetRequiredService<RouterHost>();
        using var held = await HoldAsync(cancel);
        IReadOnlyList<RouterChange> changes;
        try
        {
            changes = await store.ListRouterChangesAsync(cancel);
        }
        catch (StoreUnavailableException e)
        {
            log.LogWarning("the router changes made through the admin API could not be read ({Problem}); serving the router as it is", e.Message);
            return 0;
        }
        var applied = 0;
        foreach (var change in changes)
        {
            var key = (change.Kind, change.Name.ToLowerInvariant());
            if (_applied.TryGetValue(key, out var last) && SameRow(last, change)) continue;
            try
            {
                RouterApi.Reapply(host, change);
                _applied[key] = change;
                applied++;
            }
            catch (Exception e) when (e is RouterConfigurationException or JsonException)
            {
                // Once per stored row, not at every refresh.
                if (_warned.Add($"{change.Kind}|{change.Name}|{change.UpdatedAt:O}"))
                    log.LogWarning("the stored router {Kind} '{Name}' (changed {When:u}) no longer fits the configuration and was not applied: {Problem}",
                        change.Kind, change.Name, change.UpdatedAt, e.Message);
            }
        }
        return applied;
    }

    /// <summary>The store keeps times to the millisecond.</summary>
    private static bool SameRow(RouterChange a, RouterChange b) =>
        a.UpdatedAt.ToUnixTimeMilliseconds() == b.UpdatedAt.ToUnixTimeMilliseconds() && a.Definition == b.Definition;

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }
}
