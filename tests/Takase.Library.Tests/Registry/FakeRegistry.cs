using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Crypto.Utilities;
using Takase.Library.Store;

namespace Takase.Library.Tests.Registry;

/// <summary>
/// A small Ollama-compatible registry (and Hugging Face file server) on 127.0.0.1 with Kestrel, serving manifests
/// and blobs from memory. It supports Range requests and can inject faults: truncated responses, wrong bytes,
/// 5xx answers, stalls. Every request is logged so tests can count what was fetched. With <see cref="Auth"/> set
/// (opt-in; off by default) every /v2 route demands a Bearer token from its own token service at <c>/token</c>.
/// </summary>
internal sealed class FakeRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requestCount;

    public ConcurrentDictionary<string, byte[]> Blobs { get; } = new();
    public ConcurrentDictionary<string, byte[]> Manifests { get; } = new(); // key: "ns/model/reference"
    public ConcurrentDictionary<string, byte[]> HfFiles { get; } = new(); // key: "org/repo/path"
    public ConcurrentQueue<RequestRecord> Log { get; } = new();
    /// <summary>Per key (blob digest), how many GETs began — counted on arrival, unlike <see cref="Log"/>, which records a
    /// request when its answer is finished (a client that hangs up mid-body may leave no record there).</summary>
    public ConcurrentDictionary<string, int> GetsStarted { get; } = new();
    public ConcurrentQueue<string?> AuthorizationHeaders { get; } = new();

    /// <summary>Answer this status to the first N requests of any kind.</summary>
    public int FailFirstRequests { get; set; }
    public int FailStatus { get; set; } = 503;

    /// <summary>Per blob digest: truncate this many responses after <see cref="TruncateAfterBytes"/> bytes.</summary>
    public ConcurrentDictionary<string, int> TruncateResponses { get; } = new();
    public int TruncateAfterBytes { get; set; }

    /// <summary>Per blob digest: serve wrong bytes in this many responses.</summary>
    public ConcurrentDictionary<string, int> CorruptResponses { get; } = new();

    /// <summary>When set, every blob response sends this many bytes then stalls until the client goes away.</summary>
    public int? StallAfterBytes { get; set; }

    /// <summary>Redirect blob downloads to /cdn/ (as registries redirect to storage).</summary>
    public bool RedirectBlobs { get; set; }

    public Uri BaseAddress { get; }

    /// <summary>How the token service hands out tokens; <see cref="FakeAuthMode.None"/> (the default) serves /v2 to anyone.</summary>
    public FakeAuthMode Auth { get; set; }

    /// <summary>A token answers 401 once it has been used this many times (an expiring token); null: never.</summary>
    public int? TokenMaxUses { get; set; }

    /// <summary>Namespaces whose push scope is granted; null: all. Others get a pull-only token, as Docker token services do.</summary>
    public HashSet<string>? PushableNamespaces { get; set; }

    /// <summary>The user and password <see cref="FakeAuthMode.BasicToken"/> accepts.</summary>
    public (string User, string Password) BasicCredentials { get; set; } = ("user", "secret");

    /// <summary>Every request to the token service, in order.</summary>
    public ConcurrentQueue<TokenRequestRecord> TokenRequests { get; } = new();

    private readonly ConcurrentDictionary<string, TokenGrant> _tokens = new();

    private FakeRegistry(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public static async Task<FakeRegistry> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeRegistry? self = null;
        app.Use(async (context, next) =>
        {
            var n = Interlocked.Increment(ref self!._requestCount);
            self.AuthorizationHeaders.Enqueue(context.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null);
            if (n <= self.FailFirstRequests)
            {
                self.Log.Enqueue(new RequestRecord(context.Request.Method, context.Request.Path, null, 0, self.FailStatus));
                context.Response.StatusCode = self.FailStatus;
                return;
            }
            if (self.Auth != FakeAuthMode.None && context.Request.Path.StartsWithSegments("/v2") && !await self.AuthorizeAsync(context))
                return;
            await next(context);
        });
        app.MapGet("/token", (HttpContext c) => self!.IssueToken(c));
        app.MapMethods("/v2/{ns}/{model}/manifests/{reference}", ["GET", "HEAD"], (HttpContext c, string ns, string model, string reference) =>
            self!.ServeManifest(c, $"{ns}/{model}/{reference}"));
        app.MapPut("/v2/{ns}/{model}/manifests/{reference}", async (HttpContext c, string ns, string model, string reference) =>
        {
            var bytes = await ReadBodyAsync(c);
            self!.Manifests[$"{ns}/{model}/{reference}"] = bytes;
            self.Manifests[$"{ns}/{model}/{BlobDigest.Of(bytes)}"] = bytes;
            self.Log.Enqueue(new RequestRecord("PUT", c.Request.Path, null, bytes.Length, 201));
            return Results.StatusCode(201);
        });
        app.MapMethods("/v2/{ns}/{model}/blobs/{digest}", ["GET", "HEAD"], (HttpContext c, string digest) =>
            self!.RedirectBlobs && c.Request.Method == "GET"
                ? Task.FromResult<IResult>(Results.Redirect($"/cdn/{digest}"))
                : self.ServeBlob(c, digest));
        app.MapGet("/cdn/{digest}", (HttpContext c, string digest) => self!.ServeBlob(c, digest));
        app.MapPost("/v2/{ns}/{model}/blobs/uploads/", (HttpContext c, string ns, string model) =>
        {
            self!.Log.Enqueue(new RequestRecord("POST", c.Request.Path, null, 0, 202));
            c.Response.Headers.Location = $"/v2/{ns}/{model}/blobs/uploads/{Guid.NewGuid():N}?state=x";
            return Results.StatusCode(202);
        });
        app.MapPut("/v2/{ns}/{model}/blobs/uploads/{id}", async (HttpContext c) =>
        {
            var digest = c.Request.Query["digest"].ToString();
            var bytes = await ReadBodyAsync(c);
            self!.Log.Enqueue(new RequestRecord("PUT", c.Request.Path, null, bytes.Length, 201));
            if (BlobDigest.Of(bytes) != digest) return Results.BadRequest("digest mismatch");
            self.Blobs[digest] = bytes;
            return Results.StatusCode(201);
        });
        app.MapGet("/api/models/{org}/{repo}/tree/main", (HttpContext c, string org, string repo) =>
        {
            var prefix = $"{org}/{repo}/";
            var files = self!.HfFiles.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(kv => kv.Key).Select(kv => new
            {
                type = "file",
                path = kv.Key[prefix.Length..],
                size = kv.Value.Length,
                oid = "0000000000000000000000000000000000000000", // the git blob id, not the sha256
                lfs = new { oid = Convert.ToHexStringLower(SHA256.HashData(kv.Value)), size = kv.Value.Length, pointerSize = 134 },
            }).ToList();
            self.Log.Enqueue(new RequestRecord("GET", c.Request.Path, null, 0, files.Count == 0 ? 404 : 200));
            return files.Count == 0 ? Results.NotFound() : Results.Json(files);
        });
        app.MapGet("/{org}/{repo}/resolve/main/{**path}", (HttpContext c, string org, string repo, string path) =>
            self!.HfFiles.TryGetValue($"{org}/{repo}/{path}", out var bytes)
                ? self.ServeBytes(c, $"hf:{path}", bytes)
                : Task.FromResult<IResult>(Results.NotFound()));
        await app.StartAsync();
        var address = app.Urls.First();
        self = new FakeRegistry(app, new Uri(address.EndsWith('/') ? address : address + "/"));
        return self;
    }

    /// <summary>Adds a blob and returns its manifest layer.</summary>
    public Layer AddBlob(string mediaType, byte[] bytes)
    {
        var digest = BlobDigest.Of(bytes);
        Blobs[digest] = bytes;
        return new Layer(mediaType, digest, bytes.Length);
    }

    /// <summary>Publishes a model made of these layers (plus a config blob) under ns/model:tag; returns the manifest digest.</summary>
    public string AddModel(string ns, string model, string tag, params Layer[] layers)
    {
        var config = JsonSerializer.SerializeToUtf8Bytes(new ModelConfig { ModelFamily = "llama", RootFs = new RootFs("layers", layers.Select(l => l.Digest).ToList()) });
        var manifest = Manifest.Create(AddBlob(MediaTypes.Config, config), layers).ToBytes();
        var digest = BlobDigest.Of(manifest);
        Manifests[$"{ns}/{model}/{tag}"] = manifest;
        Manifests[$"{ns}/{model}/{digest}"] = manifest;
        return digest;
    }

    /// <summary>Checks the request's Bearer token against the repository and action; answers the 401 challenge when it does not do.</summary>
    private async Task<bool> AuthorizeAsync(HttpContext c)
    {
        var segments = c.Request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var repository = segments.Length >= 3 ? $"{segments[1]}/{segments[2]}" : "";
        var push = !HttpMethods.IsGet(c.Request.Method) && !HttpMethods.IsHead(c.Request.Method);
        var header = c.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.Ordinal) && _tokens.TryGetValue(header["Bearer ".Length..], out var grant)
            && grant.Allows(repository, push ? "push" : "pull") && Interlocked.Increment(ref grant.Uses) <= (TokenMaxUses ?? int.MaxValue))
            return true;
        Log.Enqueue(new RequestRecord(c.Request.Method, c.Request.Path, null, 0, 401));
        c.Response.StatusCode = 401;
        c.Response.Headers.WWWAuthenticate =
            $"Bearer realm=\"{BaseAddress}token\",service=\"fake-registry\",scope=\"repository:{repository}:{(push ? "push,pull" : "pull")}\"";
        c.Response.ContentType = "application/json";
        await c.Response.WriteAsync("""{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}""");
        return false;
    }

    /// <summary>
    /// The token service. In <see cref="FakeAuthMode.SignedToken"/> it verifies Ollama's scheme independently of the
    /// client's code: <c>Authorization: &lt;ssh public key base64&gt;:&lt;signature base64&gt;</c>, an ed25519
    /// signature (BouncyCastle's verifier) over <c>GET,&lt;the URL as requested&gt;,base64(hex(sha256("")))</c>,
    /// with a <c>ts</c> within five minutes and a nonce.
    /// </summary>
    private IResult IssueToken(HttpContext c)
    {
        var authorization = c.Request.Headers.Authorization.ToString();
        var url = BaseAddress.GetLeftPart(UriPartial.Authority) + c.Features.Get<IHttpRequestFeature>()!.RawTarget;
        string? publicKey = null;
        string? refusal = null;
        switch (Auth)
        {
            case FakeAuthMode.SignedToken:
                refusal = VerifySignature(authorization, url, c.Request.Query, out publicKey);
                break;
            case FakeAuthMode.BasicToken:
                var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{BasicCredentials.User}:{BasicCredentials.Password}"));
                if (authorization != expected) refusal = "wrong or missing user name and password";
                break;
        }
        var scopes = c.Request.Query["scope"].Select(s => s ?? "").ToList();
        TokenRequests.Enqueue(new TokenRequestRecord(authorization.Length > 0 ? authorization : null, publicKey, url, scopes, refusal is null ? 200 : 401));
        if (refusal is not null) return Results.Json(new { errors = new[] { new { code = "UNAUTHORIZED", message = refusal } } }, statusCode: 401);

        var grant = new TokenGrant();
        foreach (var scope in scopes)
        {
            var parts = scope.Split(':'); // repository:ns/model:pull,push
            if (parts.Length != 3 || parts[0] != "repository") continue;
            var ns = parts[1].Split('/')[0];
            foreach (var action in parts[2].Split(','))
                if (action != "push" || PushableNamespaces is null || PushableNamespaces.Contains(ns))
                    grant.Actions.Add($"{parts[1]}:{action}");
        }
        var token = "token-" + Guid.NewGuid().ToString("N");
        _tokens[token] = grant;
        return Results.Json(new { token });
    }

    private static string? VerifySignature(string authorization, string url, IQueryCollection query, out string? publicKey)
    {
        publicKey = null;
        var colon = authorization.IndexOf(':');
        if (colon <= 0) return "expected Authorization: <public key>:<signature>";
        Ed25519PublicKeyParameters key;
        byte[] signature;
        try
        {
            key = (Ed25519PublicKeyParameters)OpenSshPublicKeyUtilities.ParsePublicKey(Convert.FromBase64String(authorization[..colon]));
            signature = Convert.FromBase64String(authorization[(colon + 1)..]);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or ArgumentException or InvalidOperationException)
        {
            return "malformed key or signature: " + e.Message;
        }
        publicKey = "ssh-ed25519 " + authorization[..colon];
        var emptyBody = Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData([]))));
        var verifier = new Ed25519Signer();
        verifier.Init(false, key);
        var signed = Encoding.UTF8.GetBytes($"GET,{url},{emptyBody}");
        verifier.BlockUpdate(signed, 0, signed.Length);
        if (!verifier.VerifySignature(signature)) return "signature does not verify";
        if (!long.TryParse(query["ts"], out var ts) || Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - ts) > 300) return "ts missing or not recent";
        if (string.IsNullOrEmpty(query["nonce"])) return "nonce missing";
        return null;
    }

    public IEnumerable<RequestRecord> BlobRequests(string digest) => Log.Where(r => r.Key == digest && r.Method == "GET");

    public long BytesServed(string digest) => BlobRequests(digest).Sum(r => r.BytesSent);

    private Task<IResult> ServeManifest(HttpContext c, string key)
    {
        if (!Manifests.TryGetValue(key, out var bytes))
        {
            Log.Enqueue(new RequestRecord(c.Request.Method, c.Request.Path, null, 0, 404));
            return Task.FromResult<IResult>(Results.NotFound());
        }
        Log.Enqueue(new RequestRecord(c.Request.Method, c.Request.Path, null, bytes.Length, 200));
        return Task.FromResult<IResult>(Results.Bytes(bytes, MediaTypes.Manifest));
    }

    private Task<IResult> ServeBlob(HttpContext c, string digest)
    {
        if (!Blobs.TryGetValue(digest, out var bytes))
        {
            Log.Enqueue(new RequestRecord(c.Request.Method, c.Request.Path, null, 0, 404) { Key = digest });
            return Task.FromResult<IResult>(Results.NotFound());
        }
        if (c.Request.Method == "HEAD")
        {
            Log.Enqueue(new RequestRecord("HEAD", c.Request.Path, null, 0, 200) { Key = digest });
            c.Response.ContentLength = bytes.Length;
            return Task.FromResult<IResult>(Results.Ok());
        }
        return ServeBytes(c, digest, bytes);
    }

    /// <summary>Serves bytes (or the requested range) and applies the armed faults; the result is written here.</summary>
    private async Task<IResult> ServeBytes(HttpContext c, string key, byte[] bytes)
    {
        GetsStarted.AddOrUpdate(key, 1, (_, n) => n + 1);
        long start = 0, end = bytes.Length - 1;
        long? rangeStart = null;
        var range = c.Request.Headers.Range.ToString();
        if (range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            var parts = range["bytes=".Length..].Split('-');
            start = long.Parse(parts[0]);
            if (parts[1].Length > 0) end = Math.Min(long.Parse(parts[1]), bytes.Length - 1);
            rangeStart = start;
            c.Response.StatusCode = 206;
            c.Response.Headers.ContentRange = $"bytes {start}-{end}/{bytes.Length}";
        }
        var length = (int)(end - start + 1);
        var body = bytes.AsMemory((int)start, length);
        if (TakeFault(CorruptResponses, key))
        {
            var wrong = body.ToArray();
            wrong[0] ^= 0xFF;
            body = wrong;
        }
        c.Response.ContentLength = length;
        c.Response.ContentType = "application/octet-stream";
        var send = length;
        var truncate = TakeFault(TruncateResponses, key);
        if (truncate) send = Math.Min(send, TruncateAfterBytes);
        if (StallAfterBytes is { } stall) send = Math.Min(send, stall);
        var sent = 0;
        try
        {
            await c.Response.Body.WriteAsync(body[..send], c.RequestAborted);
            await c.Response.Body.FlushAsync(c.RequestAborted);
            sent = send;
        }
        catch (OperationCanceledException)
        {
            // the client went away
        }
        Log.Enqueue(new RequestRecord("GET", c.Request.Path, rangeStart, sent, c.Response.StatusCode) { Key = key });
        if (StallAfterBytes is not null && send < length)
        {
            try { await Task.Delay(Timeout.Infinite, c.RequestAborted); }
            catch (OperationCanceledException) { }
        }
        return Results.Empty;
    }

    private static bool TakeFault(ConcurrentDictionary<string, int> faults, string key)
    {
        while (faults.TryGetValue(key, out var left) && left > 0)
            if (faults.TryUpdate(key, left - 1, left)) return true;
        return false;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext c)
    {
        using var ms = new MemoryStream();
        await c.Request.Body.CopyToAsync(ms);
        return ms.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>How <see cref="FakeRegistry"/>'s token service decides whom to give tokens.</summary>
internal enum FakeAuthMode
{
    /// <summary>No auth: /v2 is open (the default).</summary>
    None,

    /// <summary>Ollama's scheme: token requests signed with an ed25519 key.</summary>
    SignedToken,

    /// <summary>Docker Hub style: tokens for anyone who asks.</summary>
    AnonymousToken,

    /// <summary>Docker style with an account: token requests carry Basic credentials.</summary>
    BasicToken,
}

/// <summary>One request to the fake token service: what it carried, the key it was signed with, and the answer.</summary>
internal sealed record TokenRequestRecord(string? Authorization, string? PublicKey, string Url, IReadOnlyList<string> Scopes, int Status);

/// <summary>What a token allows (<c>ns/model:action</c>) and how often it has been used.</summary>
internal sealed class TokenGrant
{
    public HashSet<string> Actions { get; } = [];
    public int Uses;

    public bool Allows(string repository, string action) => Actions.Contains($"{repository}:{action}");
}

/// <summary>One request the fake registry saw: method, path, the Range start asked for, bytes it sent, status.</summary>
internal sealed record RequestRecord(string Method, string Path, long? RangeStart, long BytesSent, int Status)
{
    public string? Key { get; init; }
}
