namespace Takase.Server.Hosting;

/// <summary>Parses OLLAMA_HOST-style addresses: "127.0.0.1:11434", "0.0.0.0", ":8080", "localhost", "http://h:p".</summary>
public static class HostAddress
{
    /// <summary>Ollama's default port.</summary>
    public const int DefaultPort = 11434;

    /// <summary>The URL Kestrel should listen on.</summary>
    public static Uri Parse(string value)
    {
        var text = value.Trim();
        var scheme = "http";
        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) text = text[7..];
        else if (text.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) { scheme = "https"; text = text[8..]; }
        text = text.TrimEnd('/');
        string host;
        var port = scheme == "https" ? 443 : DefaultPort;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0) throw new ArgumentException($"host '{value}' has an unclosed IPv6 bracket");
            host = text[..(close + 1)];
            if (close + 1 < text.Length) port = ParsePort(text[(close + 2)..], value);
        }
        else
        {
            var colon = text.LastIndexOf(':');
            host = colon < 0 ? text : text[..colon];
            if (colon >= 0) port = ParsePort(text[(colon + 1)..], value);
        }
        if (host.Length == 0) host = "127.0.0.1";
        return new Uri($"{scheme}://{host}:{port}");
    }

    private static int ParsePort(string text, string value) =>
        int.TryParse(text, out var p) && p is >= 0 and <= 65535 ? p : throw new ArgumentException($"host '{value}' has an invalid port '{text}'");
}
