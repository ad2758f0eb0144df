using System.Globalization;

namespace Takase.Cli.Commands;

/// <summary>Durations printed the way Ollama (Go's time.Duration) prints them: "36.18ms", "2.5s", "1m3.2s".</summary>
internal static class DurationText
{
    public static string Format(TimeSpan t)
    {
        var c = CultureInfo.InvariantCulture;
        if (t < TimeSpan.FromMilliseconds(1)) return (t.Ticks / 10.0).ToString("0.###", c) + "µs";
        if (t < TimeSpan.FromSeconds(1)) return t.TotalMilliseconds.ToString("0.######", c) + "ms";
        if (t < TimeSpan.FromMinutes(1)) return t.TotalSeconds.ToString("0.#########", c) + "s";
        return $"{(int)t.TotalMinutes}m" + (t.TotalSeconds % 60).ToString("0.#########", c) + "s";
    }
}
