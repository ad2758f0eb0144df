using Takase.Routing.Decisions;

namespace Takase.Routing;

/// <summary>
/// The recent routing decisions in memory, for GET /api/routes/{id} and the dashboard: bounded (the oldest decision
/// ages out once <see cref="Capacity"/> are held) and safe to use from many requests at once.
/// </summary>
public sealed class RouteLog : IRouteLog
{
    /// <summary>How many decisions are kept by default.</summary>
    public const int DefaultCapacity = 10_000;

    private readonly object _gate = new();
    // Newest last; the dictionary finds a decision's node so replacing it keeps its place.
    private readonly LinkedList<RouteDecision> _order = new();
    private readonly Dictionary<string, LinkedListNode<RouteDecision>> _byId = new(StringComparer.Ordinal);

    /// <summary>Creates a log keeping the last <paramref name="capacity"/> decisions.</summary>
    public RouteLog(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    /// <summary>How many decisions are kept.</summary>
    public int Capacity { get; }

    /// <summary>How many decisions are held now.</summary>
    public int Count
    {
        get { lock (_gate) return _byId.Count; }
    }

    /// <inheritdoc />
    /// <remarks>Replacing a decision (with its hops filled in) keeps its place in <see cref="Recent"/>.</remarks>
    public void Record(RouteDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        lock (_gate)
        {
            if (_byId.TryGetValue(decision.Id, out var node))
            {
                node.Value = decision;
                return;
            }
            _byId[decision.Id] = _order.AddLast(decision);
            if (_byId.Count > Capacity)
            {
                _byId.Remove(_order.First!.Value.Id);
                _order.RemoveFirst();
            }
        }
    }

    /// <inheritdoc />
    public RouteDecision? Find(string id)
    {
        lock (_gate) return _byId.TryGetValue(id, out var node) ? node.Value : null;
    }

    /// <inheritdoc />
    public IReadOnlyList<RouteDecision> Recent(int count)
    {
        lock (_gate)
        {
            var result = new List<RouteDecision>(Math.Clamp(count, 0, _byId.Count));
            for (var node = _order.Last; node is not null && result.Count < count; node = node.Previous)
                result.Add(node.Value);
            return result;
        }
    }
}
