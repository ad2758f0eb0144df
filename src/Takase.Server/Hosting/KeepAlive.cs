using System.Globalization;
using System.Text.Json;

namespace Takase.Server.Hosting;

/// <summary>
/// Ollama's keep_alive values: a Go duration string ("5m", "1h30m", "10s", "-1m"), or a number of seconds.
/// Negative keeps the model loaded forever; zero unloads it as soon as the request ends.
/// </summary>
public static class KeepAlive
{
    /// <summary>The duration meaning "forever".</summary>
    public static readonly TimeSpan Forever = TimeSpan.MaxValue;

    /// <summary>Parses a duration string; null when it is not one.</summary>
    public static TimeSpan? Parse(string text)
    {
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            return FromSeconds(seconds);
        var negative = text.StartsWith('-');
        var rest = negative ? text[1..] : text.TrimStart('+');
        if (rest.Length == 0) return null;
        double total = 0;
        var i = 0;
        while (i < rest.Length)
        {
            var start = i;
            while (i < rest.Length && (char.IsDigit(rest[i]) || rest[i] == '.')) i++;
            if (start == i || !double.TryParse(rest[start..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return null;
            var unitStart = i;
            while (i < rest.Length && char.IsLetter(rest[i]) || (i < rest.Length && rest[i] == 'µ')) i++;
            var unit = rest[unitStart..i];
            double? factor = unit switch
            {
                "h" => 3600,
                "m" => 60,
                "s" => 1,
                "ms" => 1e-3,
                "us" or "µs" => 1e-6,
                "ns" => 1e-9,
                _ => null,
            };
            if (factor is null) return null;
            total += n * factor.Value;
        }
        return FromSeconds(negative ? -total : total);
    }

    /// <summary>Reads keep_alive from a JSON value: string duration or number of seconds; null when absent.</summary>
    public static TimeSpan? FromJson(JsonElement? value)
    {
        if (value is not { } v || v.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return null;
        return v.ValueKind switch
        {
            JsonValueKind.Number => FromSeconds(v.GetDouble()),
            JsonValueKind.String => Parse(v.GetString()!) ?? throw new ArgumentException($"keep_alive '{v.GetString()}' is not a duration such as \"5m\", \"1h\" or -1"),
            _ => throw new ArgumentException("keep_alive must be a duration string such as \"5m\" or a number of seconds"),
        };
    }

    private static TimeSpan FromSeconds(double seconds) =>
        seconds < 0 ? Forever : seconds > TimeSpan.MaxValue.TotalSeconds / 2 ? Forever : TimeSpan.FromSeconds(seconds);
}
