using System.Globalization;

namespace Takase.Bench.Load;

/// <summary>Command-line settings.</summary>
internal sealed record LoadSettings(Uri Url, string Model, int Clients, int Seconds, int MaxTokens, int? Pid, int GraceSeconds)
{
    public static LoadSettings? Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "-h" or "--help") return Usage(null);
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length) return Usage($"unexpected argument '{args[i]}'");
            values[args[i][2..]] = args[++i];
        }
        try
        {
            var url = values.GetValueOrDefault("url", "http://127.0.0.1:11434");
            var settings = new LoadSettings(
                new Uri(url.TrimEnd('/') + "/"),
                values.GetValueOrDefault("model", "stories260K"),
                int.Parse(values.GetValueOrDefault("clients", "64"), CultureInfo.InvariantCulture),
                int.Parse(values.GetValueOrDefault("seconds", "60"), CultureInfo.InvariantCulture),
                int.Parse(values.GetValueOrDefault("max-tokens", "32"), CultureInfo.InvariantCulture),
                values.TryGetValue("pid", out var pid) ? int.Parse(pid, CultureInfo.InvariantCulture) : null,
                int.Parse(values.GetValueOrDefault("grace", "60"), CultureInfo.InvariantCulture));
            foreach (var key in values.Keys.Except(["url", "model", "clients", "seconds", "max-tokens", "pid", "grace"]))
                return Usage($"unknown option --{key}");
            if (settings.Clients < 1 || settings.Seconds < 1 || settings.MaxTokens < 1 || settings.GraceSeconds < 0)
                return Usage("--clients, --seconds and --max-tokens must be positive");
            if (settings.Pid is { } p && !File.Exists($"/proc/{p}/status")) return Usage($"no process {p} (/proc/{p}/status is absent)");
            return settings;
        }
        catch (FormatException e)
        {
            return Usage(e.Message);
        }
    }

    private static LoadSettings? Usage(string? error)
    {
        if (error is not null) Console.Error.WriteLine($"Error: {error}");
        Console.Error.WriteLine("""
            usage: takase-load [--url http://127.0.0.1:11434] [--model stories260K] [--clients 64] [--seconds 60]
                               [--max-tokens 32] [--pid <server pid>] [--grace 60]
            """);
        return null;
    }
}
