using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takase.Routing.Norms;
using Takase.Server.Persistence;
using Takase.Server.Routing;

namespace Takase.Server.Norms;

/// <summary>
/// Binds <c>Takase:Norms</c> (and the router profiles' <c>Norms</c>), checks it at start-up — a problem stops the
/// start naming its key — and registers the catalog, the gate and the stored changes.
/// </summary>
public static class NormsRegistration
{
    /// <summary>Registers the norms; call after the router and the store.</summary>
    /// <exception cref="NormsConfigurationException">the configuration is wrong; the message names the key.</exception>
    public static void AddTakaseNorms(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(NormsOptions.Section).Get<NormsOptions>() ?? new NormsOptions();
        services.AddSingleton(options);
        services.AddSingleton(sp =>
        {
            var host = sp.GetService<RouterHost>();
            var routerProfiles = host?.Setup.Profiles.Where(p => !string.IsNullOrWhiteSpace(p.Value.Norms))
                .ToDictionary(p => p.Key, p => p.Value.Norms!.Trim(), StringComparer.OrdinalIgnoreCase) ?? [];
            return new NormsCatalog(options, routerProfiles, t => host?.Setup.Targets.ContainsKey(t) ?? false,
                p => host is not null && host.Setup.Profiles.TryGetValue(p, out var profile) && !string.IsNullOrWhiteSpace(profile.Norms) ? profile.Norms.Trim() : null);
        });
        services.AddSingleton(sp => new NormsGate(sp.GetRequiredService<NormsCatalog>(), options, sp));
        services.AddSingleton<INormsStore>(sp => sp.GetRequiredService<TakaseStore>());
        services.AddHostedService<NormsChanges>();
    }
}

/// <summary>
/// The versions and assignments stored through the admin API, applied over the configuration: at start-up (before
/// requests are served), then every Takase:Norms:RefreshInterval, so a change made on another node reaches this one.
/// One that no longer fits (its target is gone) is skipped with a warning naming it, never a failed start.
/// </summary>
internal sealed class NormsChanges(IServiceProvider services, NormsOptions options, ILogger<NormsChanges> log) : BackgroundService
{
    private readonly HashSet<string> _warned = [];

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<NormsCatalog>(); // checks the configuration now, not at the first request
        await ApplyAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.RefreshInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken)) await ApplyAsync(stoppingToken);
    }

    private async Task ApplyAsync(CancellationToken cancel)
    {
        var catalog = services.GetRequiredService<NormsCatalog>();
        var store = services.GetRequiredService<INormsStore>();
        try
        {
            foreach (var version in await store.ListNormsVersionsAsync(cancel: cancel))
                if (!catalog.Has(version.Name, version.Version)) Apply(() => catalog.Add(version), $"version {version.Version} of '{version.Name}'");
            foreach (var assignment in await store.ListNormsAssignmentsAsync(cancel))
                Apply(() => catalog.Assign(assignment), $"assignment of {assignment.Kind} '{assignment.Subject}'");
        }
        catch (StoreUnavailableException e)
        {
            log.LogWarning("the norms changes made through the admin API could not be read ({Problem}); serving the norms as they were", e.Message);
        }
    }

    private void Apply(Action apply, string what)
    {
        try
        {
            apply();
        }
        catch (NormsConfigurationException e)
        {
            // Once per change, not at every refresh.
            if (_warned.Add(what + e.Message))
                log.LogWarning("the stored norms {What} no longer fits the configuration and was not applied: {Problem}", what, e.Message);
        }
    }
}
