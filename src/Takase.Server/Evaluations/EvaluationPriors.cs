using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takase.Routing.Priors;
using Takase.Server.Persistence;

namespace Takase.Server.Evaluations;

/// <summary>
/// The router's evaluation priors as the server holds them: a snapshot built from the newest stored run of each target
/// on each dataset, loaded at start and rebuilt after each POST /api/evaluations. The router reads <see cref="Current"/>
/// in memory; only this class touches the store.
/// </summary>
public sealed class EvaluationPriors
{
    private volatile RoutingPriors _current = RoutingPriors.Empty;

    /// <summary>The snapshot in use.</summary>
    public RoutingPriors Current => _current;

    /// <summary>Rebuilds the snapshot from the store.</summary>
    /// <exception cref="StoreUnavailableException">the database cannot be reached now (the old snapshot stays).</exception>
    public async Task RefreshAsync(IEvaluationStore store, CancellationToken cancel = default)
    {
        var runs = await store.LatestEvaluationsByTargetAsync(cancel);
        _current = new RoutingPriors(runs.Select(ToPrior).OfType<TargetPrior>());
    }

    /// <summary>What a run says of its target, or null for a run without a target or an accuracy (perplexity).</summary>
    public static TargetPrior? ToPrior(EvaluationRun run) => run is { Target: { } target, Accuracy: { } accuracy }
        ? new TargetPrior
        {
            Target = target,
            Dataset = run.Dataset,
            EvaluatedAt = run.Created,
            Quality = accuracy,
            N = run.N,
            Categories = run.Categories.Select(c => new CategoryPrior(c.Category, c.Accuracy, c.N, c.Centroid)).ToList(),
        }
        : null;
}

/// <summary>Loads the priors when the server starts; a database that is down leaves them empty (logged) rather than stopping start-up.</summary>
internal sealed class EvaluationPriorLoader(EvaluationPriors priors, IEvaluationStore store, ILogger<EvaluationPriorLoader> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await priors.RefreshAsync(store, cancellationToken);
            var targets = priors.Current.Targets.ToList();
            if (targets.Count > 0) logger.LogInformation("evaluation priors loaded for {Targets}", string.Join(", ", targets));
        }
        catch (StoreUnavailableException e)
        {
            logger.LogWarning("evaluation priors not loaded, the router runs without them until a run is stored: {Message}", e.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
