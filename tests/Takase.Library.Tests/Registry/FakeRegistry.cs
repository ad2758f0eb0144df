using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Takase.Library.Store;

namespace Takase.Library.Tests.Registry;

/// <summary>
/// A small Ollama-compatible registry (and Hugging Face file server) on 127.0.0.1 with Kestrel, serving manifests
/// and blobs from memory. It supports Range requests and can inject faults: truncated responses, wrong bytes,
/// 5xx answers, stalls. Every request is logged so tests can count what was fetched.
/// </summary>
internal sealed class FakeRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requestCount;

    public ConcurrentDictionary<string, byte[]> Blobs { get; } = new();
    public ConcurrentDictionary<string, byte[]> Manifests { get; } = new(); // key: "ns/model/reference"
    public ConcurrentDictionary<string, byte[]> HfFiles { get; } = new(); // key: "org/repo/path"
    public ConcurrentQueue<RequestRecord> Log { get; } = new();
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
            await next(context);
        });
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

/// <summary>One request the fake registry saw: method, path, the Range start asked for, bytes it sent, status.</summary>
internal sealed record RequestRecord(string Method, string Path, long? RangeStart, long BytesSent, int Status)
{
    public string? Key { get; init; }
}
