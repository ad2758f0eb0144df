namespace Takase.Bench.Load;

/// <summary>Counts and latencies, shared by all clients.</summary>
internal sealed class LoadStats
{
    private readonly object _gate = new();
    private readonly List<double> _firstToken = [];
    private readonly List<double> _latency = [];
    private readonly Dictionary<string, int> _failures = [];
    private long _tokens;
    private int _completed;
    private int _incomplete;
    private int _failed;

    public void Completed(TimeSpan? firstToken, TimeSpan total, int tokens)
    {
        lock (_gate)
        {
            _completed++;
            _tokens += tokens;
            if (firstToken is { } t) _firstToken.Add(t.TotalMilliseconds);
            _latency.Add(total.TotalMilliseconds);
        }
    }

    public void Incomplete() { lock (_gate) _incomplete++; }

    public void Failed(string why)
    {
        lock (_gate)
        {
            _failed++;
            _failures[why] = _failures.GetValueOrDefault(why) + 1;
        }
    }

    public void Print(TimeSpan elapsed, RssSampler? memory)
    {
        Console.WriteLine($"wall time                 {elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"requests completed        {_completed}");
        Console.WriteLine($"requests failed           {_failed}{(_failures.Count > 0 ? " (" + string.Join(", ", _failures.Select(f => $"{f.Key}: {f.Value}")) + ")" : "")}");
        Console.WriteLine($"incomplete streams        {_incomplete}");
        Console.WriteLine($"time to first token       p50 {Percentile(_firstToken, 0.50):F0} ms, p99 {Percentile(_firstToken, 0.99):F0} ms");
        Console.WriteLine($"request latency           p50 {Percentile(_latency, 0.50):F0} ms, p99 {Percentile(_latency, 0.99):F0} ms");
        Console.WriteLine($"generated tokens          {_tokens} ({_tokens / elapsed.TotalSeconds:F0} tokens/s aggregate)");
        if (memory is not null) Console.WriteLine($"server RSS                {memory.Summary()}");
    }

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
