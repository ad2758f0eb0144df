using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takase.Routing.Configuration;
using Takase.Server.Persistence;

namespace Takase.Server.Routing;

/// <summary>
/// Admin changes to targets and profiles outlive a restart: each PUT is stored, and at start-up the stored changes are
/// applied over the configuration in the order they were made. A stored change that no longer fits (the configuration
/// lost a target it names, say) is skipped with a warning naming it, never a failed start.
/// </summary>
internal sealed class RouterChanges(IServiceProvider services, ILogger<RouterChanges> log) : IHostedService
{
    /// <summary>"Targets" → "target", "Profiles" → "profile".</summary>
    public static string KindOf(string section) => section == "Targets" ? "target" : "profile";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<IRouterChangeStore>() is not { } store) return;
        var host = services.GetRequiredService<RouterHost>();
        IReadOnlyList<RouterChange> changes;
        try
        {
            changes = await store.ListRouterChangesAsync(cancellationToken);
        }
        catch (StoreUnavailableException e)
        {
            log.LogWarning("the router changes made through the admin API could not be read ({Problem}); serving the configuration as written", e.Message);
            return;
        }
        foreach (var change in changes)
        {
            try
            {
                RouterApi.Reapply(host, change);
            }
            catch (Exception e) when (e is RouterConfigurationException or JsonException)
            {
                log.LogWarning("the stored router {Kind} '{Name}' (changed {When:u}) no longer fits the configuration and was not applied: {Problem}",
                    change.Kind, change.Name, change.UpdatedAt, e.Message);
            }
        }
        if (changes.Count > 0) log.LogInformation("applied {Count} router change(s) made through the admin API", changes.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
