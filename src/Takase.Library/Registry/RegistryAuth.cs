using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Takase.Library.Registry;

/// <summary>
/// The registry token handshake (Docker registry token auth, with Ollama's signed variant). A request answered
/// 401 with <c>WWW-Authenticate: Bearer realm=…,service=…,scope=…</c> makes the client fetch a token from the
/// realm and send the request again with <c>Authorization: Bearer &lt;token&gt;</c>. Tokens are cached per
/// challenge (realm, service, scope) and reused for the same repository until the registry answers 401 to one.
/// </summary>
/// <remarks>
/// How the token is asked for: with <see cref="RegistryClientOptions.Username"/> set, with Basic credentials;
/// for Ollama's hosts (ollama.com, registry.ollama.ai), signed with the user's ed25519 key
/// (<see cref="RegistryKeyFile"/>): the request <c>GET &lt;realm&gt;?nonce=…&amp;scope=…&amp;service=…&amp;ts=…</c>
/// carries <c>Authorization: &lt;public key base64&gt;:&lt;base64 signature&gt;</c> over
/// <c>"GET,&lt;that URL&gt;,&lt;base64 of the hex sha256 of the empty body&gt;"</c>. Other registries are asked
/// anonymously first; a realm that refuses anonymous requests is signed for from then on.
/// </remarks>
internal sealed partial class RegistryAuth(HttpClient http, RegistryClientOptions options)
{
    /// <summary>base64(hex(sha256(""))): the body part of the signed string (a token request has no body).</summary>
    private static readonly string EmptyBodyHash =
        Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData([]))));

    private readonly ConcurrentDictionary<string, string> _tokens = new(); // challenge TokenKey → token
    private readonly ConcurrentDictionary<string, string> _resourceTokens = new(); // repository → challenge TokenKey
    private readonly ConcurrentDictionary<string, bool> _basicAuthorities = new();
    private readonly ConcurrentDictionary<string, bool> _signingRealms = new();
    private readonly SemaphoreSlim _fetching = new(1, 1);
    private readonly Lock _keyLock = new();
    private Ed25519Key? _key;
    private string? _keyPath;

    /// <summary>Adds the credential this client holds for the request's repository (a fetched token, Basic, or the fixed token).</summary>
    public void Apply(HttpRequestMessage request)
    {
        if (request.Headers.Authorization is not null || request.RequestUri is not { } uri) return;
        if (_resourceTokens.TryGetValue(ResourceOf(uri), out var key) && _tokens.TryGetValue(key, out var token))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        else if (_basicAuthorities.ContainsKey(uri.GetLeftPart(UriPartial.Authority)) && BasicCredentials() is { } basic)
            request.Headers.Authorization = basic;
        else if (options.Token is { Length: > 0 } fixedToken)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixedToken);
    }

    /// <summary>
    /// Answers the 401 <paramref name="response"/> to a request sent with <paramref name="sentAuthorization"/>:
    /// true when there is now a credential worth sending the request again with (a new or newer token, or Basic
    /// credentials), false when the challenge cannot be answered (the 401 is then the caller's answer).
    /// </summary>
    /// <exception cref="RegistryAuthException">The token service refused the request.</exception>
    public async Task<bool> TryAnswerAsync(HttpResponseMessage response, Uri requestUri, string? sentAuthorization, CancellationToken cancellationToken)
    {
        if (response.StatusCode != HttpStatusCode.Unauthorized || RegistryChallenge.From(response.Headers) is not { } challenge) return false;
        if (challenge.IsBasic)
        {
            if (BasicCredentials() is not { } basic || sentAuthorization == basic.ToString()) return false;
            _basicAuthorities[requestUri.GetLeftPart(UriPartial.Authority)] = true;
            return true;
        }
        var resource = ResourceOf(requestUri);
        await _fetching.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A token for this scope that differs from the one just refused was fetched meanwhile (by a parallel
            // request, or for another action on this repository): use it rather than asking again.
            if (!_tokens.TryGetValue(challenge.TokenKey, out var known) || "Bearer " + known == sentAuthorization)
                _tokens[challenge.TokenKey] = await FetchTokenAsync(challenge, cancellationToken).ConfigureAwait(false);
            _resourceTokens[resource] = challenge.TokenKey;
            return true;
        }
        finally
        {
            _fetching.Release();
        }
    }

    /// <summary>The public key the registry should know: the one signed with, else an existing key file's; null when there is none.</summary>
    public string? KnownPublicKey()
    {
        lock (_keyLock)
        {
            if (_key is not null) return _key.PublicKey;
        }
        try
        {
            var path = RegistryKeyFile.Locate(options.KeyPath);
            return File.Exists(path) ? Ed25519Key.Load(path).PublicKey : null;
        }
        catch (RegistryException)
        {
            return null;
        }
    }

    /// <summary>True for the hosts of Ollama's registry, whose token service wants signed requests.</summary>
    public static bool IsOllamaHost(string host)
    {
        host = host.ToLowerInvariant();
        return host is "ollama.com" or "ollama.ai" || host.EndsWith(".ollama.com", StringComparison.Ordinal) || host.EndsWith(".ollama.ai", StringComparison.Ordinal);
    }

    /// <summary>
    /// The token URL for a challenge: the realm's own query plus service, each scope, <c>ts</c> (unix seconds) and
    /// a random <c>nonce</c>, keys sorted and values escaped as Go's <c>url.Values.Encode</c> does (Ollama's
    /// registry verifies the signature over this exact text).
    /// </summary>
    internal static Uri TokenUrl(RegistryChallenge challenge, long unixSeconds, string nonce)
    {
        var realm = new Uri(challenge.Realm);
        var pairs = new List<(string Key, string Value)>();
        foreach (var part in realm.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=');
            pairs.Add(equals < 0
                ? (Unescape(part), "")
                : (Unescape(part[..equals]), Unescape(part[(equals + 1)..])));
        }
        if (challenge.Service.Length > 0) pairs.Add(("service", challenge.Service));
        foreach (var scope in challenge.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries)) pairs.Add(("scope", scope));
        pairs.Add(("ts", unixSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        pairs.Add(("nonce", nonce));
        var query = string.Join('&', pairs.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => Escape(p.Key) + "=" + Escape(p.Value)));
        return new Uri(realm.GetLeftPart(UriPartial.Path) + "?" + query);

        static string Escape(string s) => Uri.EscapeDataString(s).Replace("%20", "+", StringComparison.Ordinal);
        static string Unescape(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));
    }

    /// <summary>The exact bytes signed for a token request to <paramref name="tokenUrl"/>.</summary>
    internal static byte[] SignedText(Uri tokenUrl) => Encoding.UTF8.GetBytes($"GET,{tokenUrl.AbsoluteUri},{EmptyBodyHash}");

    private async Task<string> FetchTokenAsync(RegistryChallenge challenge, CancellationToken cancellationToken)
    {
        var realm = new Uri(challenge.Realm);
        var realmKey = realm.GetLeftPart(UriPartial.Path);
        var basic = BasicCredentials();
        var sign = basic is null && (IsOllamaHost(realm.Host) || _signingRealms.ContainsKey(realmKey));
        if (basic is null && !sign)
        {
            // Docker-style registries hand out tokens for public repositories to anyone.
            using var anonymous = await SendTokenRequestAsync(TokenUrl(challenge, Now(), Nonce()), null, cancellationToken).ConfigureAwait(false);
            if (anonymous.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden))
                return await ReadTokenAsync(anonymous, challenge, null, cancellationToken).ConfigureAwait(false);
            _signingRealms[realmKey] = true;
        }

        var url = TokenUrl(challenge, Now(), Nonce());
        Ed25519Key? key = null;
        string authorization;
        if (basic is not null)
        {
            authorization = basic.ToString();
        }
        else
        {
            key = SigningKey();
            authorization = key.PublicKeyBase64 + ":" + Convert.ToBase64String(key.Sign(SignedText(url)));
        }
        using var response = await SendTokenRequestAsync(url, authorization, cancellationToken).ConfigureAwait(false);
        return await ReadTokenAsync(response, challenge, key, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendTokenRequestAsync(Uri url, string? authorization, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        // Ollama's signed form has no scheme, so it bypasses the typed header's validation.
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> ReadTokenAsync(HttpResponseMessage response, RegistryChallenge challenge, Ed25519Key? key, CancellationToken cancellationToken)
    {
        var what = $"getting a registry token for '{challenge.Scope}' from {challenge.Realm}";
        if (RetryingHttp.IsTransient(response.StatusCode))
            throw new RegistryException($"{what}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}") { StatusCode = (int)response.StatusCode };
        if (!response.IsSuccessStatusCode)
        {
            var error = await RetryingHttp.ErrorAsync(response, what, RefusalHint(challenge, key), cancellationToken).ConfigureAwait(false);
            throw new RegistryAuthException(error.Message) { StatusCode = error.StatusCode, PublicKey = key?.PublicKey };
        }
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var json = JsonDocument.Parse(body);
            // Docker's token spec allows either name.
            foreach (var name in (ReadOnlySpan<string>)["token", "access_token"])
                if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty(name, out var token)
                    && token.ValueKind == JsonValueKind.String && token.GetString() is { Length: > 0 } value)
                    return value;
        }
        catch (JsonException)
        {
        }
        throw new RegistryAuthException($"{what}: the answer has no \"token\" (expected JSON like {{\"token\": \"…\"}}); the realm may not be a registry token service.") { PublicKey = key?.PublicKey };
    }

    private string RefusalHint(RegistryChallenge challenge, Ed25519Key? key)
    {
        if (key is null)
            return options.Username is { Length: > 0 } user
                ? $"Check the user name '{user}' and password (or access token) for this registry."
                : "Configure credentials for this registry.";
        var where = IsOllamaHost(new Uri(challenge.Realm).Host)
            ? "add it at https://ollama.com/settings/keys"
            : "register it with this registry";
        return $"Takase signed with the key {_keyPath}; its public key is: {key.PublicKey} — {where}, or point {RegistryKeyFile.EnvironmentVariable} at a key the registry knows.";
    }

    private Ed25519Key SigningKey()
    {
        lock (_keyLock)
        {
            if (_key is not null) return _key;
            _keyPath = RegistryKeyFile.Locate(options.KeyPath);
            return _key = RegistryKeyFile.LoadOrCreate(_keyPath);
        }
    }

    private AuthenticationHeaderValue? BasicCredentials() =>
        options.Username is { Length: > 0 } user
            ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{options.Password}")))
            : null;

    /// <summary>
    /// What a token is good for: the repository of a <c>/v2/&lt;name&gt;/(manifests|blobs)/…</c> URL on its
    /// server; other URLs (an upload location on storage elsewhere) are their own resource and get no token.
    /// </summary>
    private static string ResourceOf(Uri uri)
    {
        var match = RepositoryPath().Match(uri.AbsolutePath);
        return uri.GetLeftPart(UriPartial.Authority) + (match.Success ? match.Groups[1].Value : uri.AbsolutePath);
    }

    [GeneratedRegex(@"^(/v2/.+?)/(?:manifests|blobs)/")]
    private static partial Regex RepositoryPath();

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>16 random bytes, base64url without padding (as Ollama's nonce).</summary>
    private static string Nonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
