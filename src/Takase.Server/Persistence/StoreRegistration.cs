using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takase.Routing;
using Takase.Server.Hosting;

namespace Takase.Server.Persistence;

/// <summary>
/// Puts the store into the server: the repository (opened and migrated when the server starts — a schema newer than
/// this build stops start-up), the feedback recorder, the persistent route log, and the background retry of writes
/// held during an outage.
/// </summary>
public static class StoreRegistration
{
    /// <summary>Registers the store. Call after the router's registration: its <see cref="IRouteLog"/> replaces the in-memory one.</summary>
    public static IServiceCollection AddTakaseStore(this IServiceCollection services, TakaseServerOptions options)
    {
        var database = options.Database;
        services.AddSingleton(sp => TakaseStore.Open(database, TakaseServerOptions.HomeDirectory(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Takase.Store")));
        services.AddSingleton<ITakaseStore>(sp => sp.GetRequiredService<TakaseStore>());
        services.AddSingleton<IFeedbackStore>(sp => sp.GetRequiredService<TakaseStore>());
        services.AddSingleton<ITicketStore>(sp => sp.GetRequiredService<TakaseStore>());
        services.AddSingleton<IApiKeyStore>(sp => sp.GetRequiredService<TakaseStore>());
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<TakaseStore>());
        services.AddSingleton<IRouteDecisionStore>(sp => sp.GetRequiredService<TakaseStore>());
        services.AddSingleton<IRouterChangeStore>(sp => sp.GetRequiredService<TakaseStore>());
        services.AddSingleton<IEvaluationStore>(sp => sp.GetRequiredService<TakaseStore>());
        // The router's evaluation priors come from the store: loaded at start, refreshed when a run is posted.
        services.AddSingleton<Evaluations.EvaluationPriors>();
        services.AddHostedService<Evaluations.EvaluationPriorLoader>();
        services.AddSingleton(sp => new FeedbackRecorder(sp.GetRequiredService<IFeedbackStore>(), database.PendingWriteCapacity,
            sp.GetService<ILogger<FeedbackRecorder>>()));
        services.AddSingleton(sp => new StoredRouteLog(sp.GetRequiredService<IRouteDecisionStore>(), database.PendingWriteCapacity,
            logger: sp.GetService<ILogger<StoredRouteLog>>()));
        services.AddSingleton<IRouteLog>(sp => sp.GetRequiredService<StoredRouteLog>());
        services.AddHostedService(sp => new StoreRetryService(sp, database.RetryInterval));
        return services;
    }
}

/// <summary>Opens the store when the server starts (so a bad schema stops start-up) and retries held writes while it runs.</summary>
internal sealed class StoreRetryService(IServiceProvider services, TimeSpan interval) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<TakaseStore>();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var feedback = services.GetRequiredService<FeedbackRecorder>();
        var routes = services.GetRequiredService<StoredRouteLog>();
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await feedback.FlushAsync(stoppingToken);
                await routes.FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
