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
/// At start-up, the versions and assignments stored through the admin API are applied over the configuration, oldest
/// first; one that no longer fits (its target is gone) is skipped with a warning naming it, never a failed start.
/// </summary>
internal sealed class NormsChanges(IServiceProvider services, ILogger<NormsChanges> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var catalog = services.GetRequiredService<NormsCatalog>(); // checks the configuration now, not at the first request
        var store = services.GetRequiredService<INormsStore>();
        try
        {
            foreach (var version in await store.ListNormsVersionsAsync(cancel: cancellationToken))
                Apply(() => catalog.Add(version), $"version {version.Version} of '{version.Name}'");
            foreach (var assignment in await store.ListNormsAssignmentsAsync(cancellationToken))
                Apply(() => catalog.Assign(assignment), $"assignment of {assignment.Kind} '{assignment.Subject}'");
        }
        catch (StoreUnavailableException e)
        {
            log.LogWarning("the norms changes made through the admin API could not be read ({Problem}); serving the configuration's norms", e.Message);
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
            log.LogWarning("the stored norms {What} no longer fits the configuration and was not applied: {Problem}", what, e.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
