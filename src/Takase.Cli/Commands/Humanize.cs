using System.Globalization;

namespace Takase.Cli.Commands;

/// <summary>Sizes and times printed the way Ollama's CLI prints them (go-humanize): "4.7 GB", "2 weeks ago".</summary>
internal static class Humanize
{
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB", "PB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1000 && unit < units.Length - 1) { value /= 1000; unit++; }
        var format = unit == 0 || value >= 10 ? "0" : "0.0";
        return value.ToString(format, CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static string Ago(DateTimeOffset when, DateTimeOffset now)
    {
        var d = now - when;
        if (d < TimeSpan.FromSeconds(1)) return "Less than a second ago";
        if (d < TimeSpan.FromMinutes(1)) return Plural((int)d.TotalSeconds, "second") + " ago";
        if (d < TimeSpan.FromHours(1)) return Plural((int)d.TotalMinutes, "minute") + " ago";
        if (d < TimeSpan.FromDays(1)) return Plural((int)d.TotalHours, "hour") + " ago";
        if (d < TimeSpan.FromDays(7)) return Plural((int)d.TotalDays, "day") + " ago";
        if (d < TimeSpan.FromDays(30)) return Plural((int)(d.TotalDays / 7), "week") + " ago";
        if (d < TimeSpan.FromDays(365)) return Plural((int)(d.TotalDays / 30), "month") + " ago";
        return Plural((int)(d.TotalDays / 365), "year") + " ago";
    }

    public static string Until(DateTimeOffset when, DateTimeOffset now)
    {
        if (when >= DateTimeOffset.MaxValue.AddYears(-1) || when.Year > 9000) return "Forever";
        var d = when - now;
        if (d <= TimeSpan.Zero) return "Stopping...";
        if (d < TimeSpan.FromMinutes(1)) return Plural(Math.Max(1, (int)d.TotalSeconds), "second") + " from now";
        if (d < TimeSpan.FromHours(1)) return Plural((int)d.TotalMinutes, "minute") + " from now";
        return Plural((int)d.TotalHours, "hour") + " from now";
    }

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
}
