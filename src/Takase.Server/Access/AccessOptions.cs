using System.Net;

namespace Takase.Server.Access;

/// <summary>
/// Who may call the server: <c>Takase:Auth</c> (or <c>TAKASE__Auth__…</c> variables). By default a server on loopback
/// stays open like Ollama, and one listening beyond it requires an API key.
/// </summary>
public sealed class AuthOptions
{
    /// <summary>"true", "false", or "auto" (the default): required exactly when the server listens beyond loopback.</summary>
    public string Required { get; set; } = "auto";

    /// <summary>
    /// A bootstrap admin key from configuration, so a fresh deployment can create its first keys (POST /api/admin/keys).
    /// At least 16 characters; compare it with care, it is never stored.
    /// </summary>
    public string? AdminKey { get; set; }

    /// <summary>
    /// How long a key check is remembered (see <see cref="ApiKeyCache"/>): a revocation on another node sharing the
    /// database takes effect here within this time; on this node at once. Zero turns the cache off.
    /// </summary>
    public TimeSpan KeyCacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most presented keys remembered at once.</summary>
    public int KeyCacheSize { get; set; } = 10_000;

    /// <summary>Whether requests must present a key when the server listens on <paramref name="listen"/>.</summary>
    /// <exception cref="ArgumentException"><see cref="Required"/> is not true, false or auto.</exception>
    public bool IsRequired(Uri listen) => Required.Trim().ToLowerInvariant() switch
    {
        "true" or "yes" or "1" => true,
        "false" or "no" or "0" => false,
        "" or "auto" => !IsLoopback(listen.Host),
        _ => throw new ArgumentException($"Takase:Auth:Required '{Required}' is not one of true, false or auto"),
    };

    /// <summary>Throws an <see cref="ArgumentException"/> naming the setting that is wrong.</summary>
    public void Validate()
    {
        _ = IsRequired(new Uri("http://127.0.0.1"));
        if (AdminKey is { } key && key.Trim().Length < 16)
            throw new ArgumentException("Takase:Auth:AdminKey must be at least 16 characters (e.g. from `openssl rand -base64 32`); a short key is guessable");
        if (KeyCacheTtl < TimeSpan.Zero || KeyCacheTtl > TimeSpan.FromHours(1))
            throw new ArgumentException($"Takase:Auth:KeyCacheTtl must be between 00:00:00 (off) and 01:00:00, not {KeyCacheTtl} (a long cache delays revocations on other nodes)");
        if (KeyCacheSize < 1) throw new ArgumentException($"Takase:Auth:KeyCacheSize must be at least 1, not {KeyCacheSize}");
    }

    private static bool IsLoopback(string host)
    {
        var bare = host.Trim('[', ']');
        return bare.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(bare, out var address) && IPAddress.IsLoopback(address));
    }
}

/// <summary>Which browser origins may call the server: <c>Takase:Cors:Origins</c> (none by default; "*" for any).</summary>
public sealed class CorsOptions
{
    /// <summary>Origins such as "https://console.example.com", compared exactly (scheme, host and port), case-insensitively.</summary>
    public List<string> Origins { get; set; } = [];

    /// <summary>Throws an <see cref="ArgumentException"/> naming an origin that is not scheme://host[:port].</summary>
    public void Validate()
    {
        foreach (var origin in Origins)
        {
            if (origin == "*") continue;
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || uri.AbsolutePath != "/" || origin.TrimEnd('/') != origin.TrimEnd('/').Trim())
                throw new ArgumentException($"Takase:Cors:Origins entry '{origin}' is not an origin such as https://app.example.com (scheme, host, optional port; no path)");
        }
    }
}
