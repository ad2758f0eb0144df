namespace Takase.Server.Metrics;

/// <summary>
/// A Prometheus histogram for one label set: cumulative counts of observations at or below each bucket bound, plus
/// their sum and count. Observations take a short lock; scrapes read a consistent copy.
/// </summary>
public sealed class Histogram(IReadOnlyList<double> bounds)
{
    private readonly object _gate = new();
    private readonly long[] _counts = new long[bounds.Count];
    private long _count;
    private double _sum;

    /// <summary>Upper bounds of the buckets, ascending (the +Inf bucket is implicit).</summary>
    public IReadOnlyList<double> Bounds { get; } = bounds;

    /// <summary>Records one value.</summary>
    public void Observe(double value)
    {
        lock (_gate)
        {
            for (var i = 0; i < _counts.Length; i++)
                if (value <= Bounds[i]) _counts[i]++;
            _count++;
            _sum += value;
        }
    }

    /// <summary>Cumulative bucket counts, total count and sum, read together.</summary>
    public (long[] Cumulative, long Count, double Sum) Snapshot()
    {
        lock (_gate) return ((long[])_counts.Clone(), _count, _sum);
    }
}
