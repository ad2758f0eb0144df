using System.Globalization;

namespace Takase.Bench.Load;

/// <summary>Samples a process's resident memory (VmRSS of /proc/PID/status) once a second.</summary>
internal sealed class RssSampler(int pid)
{
    private readonly List<long> _kib = [];
    private long _peakKib;

    public async Task RunAsync(CancellationToken cancel)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        do
        {
            var (rss, hwm) = Read();
            if (rss is { } r) _kib.Add(r);
            if (hwm is { } h) _peakKib = Math.Max(_peakKib, h);
        }
        while (await WaitAsync(timer, cancel));
    }

    public string Summary() => _kib.Count == 0 ? "no samples"
        : $"start {Mib(_kib[0])}, mean {Mib((long)_kib.Average())}, max {Mib(_kib.Max())}, end {Mib(_kib[^1])} MiB ({_kib.Count} samples; VmHWM {Mib(_peakKib)} MiB)";

    private static string Mib(long kib) => (kib / 1024.0).ToString("F0", CultureInfo.InvariantCulture);

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancel)
    {
        try { return await timer.WaitForNextTickAsync(cancel); }
        catch (OperationCanceledException) { return false; }
    }

    private (long? Rss, long? Hwm) Read()
    {
        long? rss = null, hwm = null;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kib(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kib(line);
            }
        }
        catch (IOException) { } // the process ended
        return (rss, hwm);
    }

    private static long Kib(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
