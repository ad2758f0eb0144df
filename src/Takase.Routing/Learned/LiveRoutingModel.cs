using Takase.Routing.Learned.NGram;

namespace Takase.Routing.Learned;

/// <summary>
/// An n-gram router that learns while it serves: the router holds this object and every decision scores with the
/// model current at that moment; <see cref="Update"/> computes the next model aside and swaps it in with one
/// reference write, so a decision never waits for learning and never sees half an update.
/// </summary>
public sealed class LiveRoutingModel : IRoutingModel
{
    private readonly Lock _updates = new();
    private volatile NGramRoutingModel _current;

    /// <summary>Starts from a trained model.</summary>
    public LiveRoutingModel(NGramRoutingModel initial) => _current = initial ?? throw new ArgumentNullException(nameof(initial));

    /// <summary>The model decisions use now.</summary>
    public NGramRoutingModel Current => _current;

    /// <summary>How many updates have been swapped in since start.</summary>
    public int Updates { get; private set; }

    /// <inheritdoc />
    public string Kind => _current.Kind;

    /// <inheritdoc />
    public RoutingScore Score(string prompt) => _current.Score(prompt);

    /// <inheritdoc />
    public double ThresholdForStrongShare(double share) => _current.ThresholdForStrongShare(share);

    /// <summary>
    /// Takes SGD steps on <paramref name="examples"/> from the current model and swaps the result in; returns it.
    /// Updates are serialised (each starts from the previous one's result); decisions are not blocked.
    /// </summary>
    public NGramRoutingModel Update(IReadOnlyList<OnlineExample> examples, OnlineUpdateOptions? options = null)
    {
        lock (_updates)
        {
            var next = NGramOnlineUpdate.Apply(_current, examples, options);
            _current = next;
            Updates++;
            return next;
        }
    }
}
