using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Takase.Library.Store;

namespace Takase.Cli.Tests;

/// <summary>
/// A minimal Ollama registry on 127.0.0.1 (manifests and blobs, GET only) that `takase serve` pulls from through
/// TAKASE_REGISTRY, so `takase run NAME` can be tested pulling a missing model without the internet.
/// </summary>
public sealed class TinyRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new();
    private readonly ConcurrentDictionary<string, byte[]> _manifests = new(StringComparer.OrdinalIgnoreCase);

    private TinyRegistry(WebApplication app) => _app = app;

    /// <summary>Where the registry listens, e.g. http://127.0.0.1:12345.</summary>
    public string Url => _app.Urls.First();

    /// <summary>Starts an empty registry.</summary>
    public static async Task<TinyRegistry> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        var registry = new TinyRegistry(app);
        app.MapGet("/v2/{ns}/{model}/manifests/{reference}", (string ns, string model, string reference) =>
            registry._manifests.TryGetValue($"{ns}/{model}/{reference}", out var bytes)
                ? Results.Bytes(bytes, MediaTypes.Manifest)
                : Results.NotFound());
        app.MapGet("/v2/{ns}/{model}/blobs/{digest}", (string digest) =>
            registry._blobs.TryGetValue(digest, out var bytes) ? Results.Bytes(bytes, "application/octet-stream") : Results.NotFound());
        await app.StartAsync();
        return registry;
    }

    /// <summary>Publishes a GGUF file as library/<paramref name="model"/>:latest.</summary>
    public void AddModel(string model, string ggufPath)
    {
        var weights = AddBlob(MediaTypes.Model, File.ReadAllBytes(ggufPath));
        var config = JsonSerializer.SerializeToUtf8Bytes(new Takase.Library.Store.ModelConfig
        {
            ModelFormat = "gguf",
            ModelFamily = "llama",
            RootFs = new RootFs("layers", [weights.Digest]),
        });
        _manifests[$"library/{model}/latest"] = Manifest.Create(AddBlob(MediaTypes.Config, config), [weights]).ToBytes();
    }

    private Layer AddBlob(string mediaType, byte[] bytes)
    {
        var digest = BlobDigest.Of(bytes);
        _blobs[digest] = bytes;
        return new Layer(mediaType, digest, bytes.Length);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
