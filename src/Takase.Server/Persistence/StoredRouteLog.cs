using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Takase.Routing;
using Takase.Routing.Decisions;

namespace Takase.Server.Persistence;

/// <summary>
/// The server's route log, kept in the database so GET /api/routes/{id} answers after a restart. The most recent
/// decisions are also held in memory (the executor replaces a decision as each hop finishes, and reads it back);
/// while the database is unreachable, writes wait in a bounded queue and reads fall back to memory, so routing never
/// fails because of the log.
/// </summary>
public sealed class StoredRouteLog : IRouteLog
{
    private readonly IRouteDecisionStore _store;
    private readonly RouteLog _recent;
    private readonly PendingWrites<RouteDecision> _pending;
    private readonly ILogger _logger;

    /// <summary>Creates the log over <paramref name="store"/>.</summary>
    /// <param name="store">Where decisions are kept.</param>
    /// <param name="pendingCapacity">Decisions held while the database is unreachable; beyond that the oldest writes are dropped with a warning.</param>
    /// <param name="recentCapacity">Decisions also held in memory.</param>
    /// <param name="logger">Reports outages.</param>
    public StoredRouteLog(IRouteDecisionStore store, int pendingCapacity = 10_000, int recentCapacity = 1_000, ILogger<StoredRouteLog>? logger = null)
    {
        _store = store;
        _recent = new RouteLog(recentCapacity);
        _pending = new PendingWrites<RouteDecision>(pendingCapacity);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Decisions waiting for the database.</summary>
    public int Pending => _pending.Count;

    /// <inheritdoc />
    public void Record(RouteDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        _recent.Record(decision);
        if (_pending.Count == 0)
        {
            try
            {
                _store.SaveDecision(decision);
                return;
            }
            catch (StoreUnavailableException e)
            {
                _logger.LogWarning("route decision {Id} waits in memory: {Reason}", decision.Id, e.Message);
            }
        }
        if (!_pending.TryEnqueue(decision))
            _logger.LogWarning("route decision {Id} was not stored: the database is unavailable and {Count} decisions already wait", decision.Id, _pending.Capacity);
    }

    /// <inheritdoc />
    public RouteDecision? Find(string id)
    {
        if (_recent.Find(id) is { } recent) return recent;
        try
        {
            return _store.FindDecision(id);
        }
        catch (StoreUnavailableException e)
        {
            _logger.LogWarning("route decision {Id} could not be read: {Reason}", id, e.Message);
            return null;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<RouteDecision> Recent(int count)
    {
        // Waiting writes are newer than what the database has; memory has them all.
        if (_pending.Count > 0) return _recent.Recent(count);
        try
        {
            return _store.RecentDecisions(count);
        }
        catch (StoreUnavailableException e)
        {
            _logger.LogWarning("recent route decisions come from memory: {Reason}", e.Message);
            return _recent.Recent(count);
        }
    }

    /// <summary>Writes the waiting decisions while the database takes them; returns how many were written.</summary>
    public Task<int> FlushAsync(CancellationToken cancel = default) =>
        _pending.Count == 0 ? Task.FromResult(0) : _pending.FlushAsync((d, _) =>
        {
            _store.SaveDecision(d);
            return Task.CompletedTask;
        }, (d, e) => _logger.LogError(e, "route decision {Id} could not be stored and was dropped", d.Id), cancel);
}
