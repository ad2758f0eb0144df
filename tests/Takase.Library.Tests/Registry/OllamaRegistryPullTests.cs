using System.Text;
using Takase.Library.Registry;
using Takase.Library.Store;
using Takase.Tests.Support;

namespace Takase.Library.Tests.Registry;

public class OllamaRegistryPullTests
{
    private const string Template = "{{ .System }}\nUser: {{ .Prompt }}\nAssistant: ";
    private const string Params = """{"stop":["User:"],"temperature":0.7}""";

    [Fact]
    public async Task PullStoresTheModelItsLayersAndTheRegistrysManifestBytes()
    {
        var gguf = await File.ReadAllBytesAsync(SharedData.Path("models/stories260K.gguf"));
        await using var kit = await RegistryTestKit.StartAsync();
        var model = kit.Registry.AddBlob(MediaTypes.Model, gguf);
        var digest = kit.Registry.AddModel("library", "stories", "260k",
            model, kit.Registry.AddBlob(MediaTypes.Template, Encoding.UTF8.GetBytes(Template)), kit.Registry.AddBlob(MediaTypes.Params, Encoding.UTF8.GetBytes(Params)));
        var store = kit.NewStore();
        var progress = new ProgressLog();

        var pulled = await new OllamaRegistryClient(kit.Http, store, kit.Options()).PullAsync("stories:260k", progress);

        Assert.Equal(digest, pulled.ManifestDigest);
        Assert.Equal(gguf, await File.ReadAllBytesAsync(pulled.ModelBlobPath));
        Assert.Equal(Template, pulled.Template);
        Assert.Equal(0.7, pulled.Parameters!["temperature"]!.GetValue<double>());
        Assert.Equal(kit.Registry.Manifests["library/stories/260k"], await File.ReadAllBytesAsync(Path.Combine(store.ManifestsDirectory, "registry.ollama.ai", "library", "stories", "260k")));
        var statuses = progress.Statuses();
        Assert.Equal("pulling manifest", statuses[0]);
        Assert.Equal(["verifying sha256 digest", "writing manifest", "success"], statuses[^3..]);
        var modelLines = progress.Lines.Where(l => l.Status == $"pulling {model.Digest[7..19]}").ToList();
        Assert.All(modelLines, l => Assert.Equal(gguf.Length, l.Total));
        Assert.Equal(gguf.Length, modelLines[^1].Completed);
        Assert.Equal(4, statuses.Count(s => s.StartsWith("pulling ", StringComparison.Ordinal) && s != "pulling manifest")); // 3 layers + config
    }

    [Fact]
    public async Task LargeBlobsComeInParallelRangedPartsAndRedirectsAreFollowed()
    {
        var big = RegistryTestKit.RandomBytes(3 << 20, seed: 1);
        await using var kit = await RegistryTestKit.StartAsync();
        var layer = kit.Registry.AddBlob(MediaTypes.Model, big);
        kit.Registry.AddModel("library", "big", "latest", layer);
        kit.Registry.RedirectBlobs = true;
        var store = kit.NewStore();

        var pulled = await new OllamaRegistryClient(kit.Http, store, kit.Options(rangedThreshold: 1 << 20)).PullAsync("big");

        Assert.Equal(big, await File.ReadAllBytesAsync(pulled.ModelBlobPath));
        var requests = kit.Registry.BlobRequests(layer.Digest).ToList();
        Assert.Equal([0L, 786432, 1572864, 2359296], requests.Select(r => r.RangeStart ?? -1).Order());
        Assert.Equal(big.Length, kit.Registry.BytesServed(layer.Digest));
    }

    [Fact]
    public async Task ADroppedConnectionResumesWhereItStoppedWithoutRefetchingBytes()
    {
        var blob = RegistryTestKit.RandomBytes(1 << 20, seed: 2);
        await using var kit = await RegistryTestKit.StartAsync();
        var layer = kit.Registry.AddBlob(MediaTypes.Model, blob);
        kit.Registry.AddModel("library", "flaky", "latest", layer);
        kit.Registry.TruncateAfterBytes = 300_000;
        kit.Registry.TruncateResponses[layer.Digest] = 2;
        var store = kit.NewStore();

        var pulled = await new OllamaRegistryClient(kit.Http, store, kit.Options()).PullAsync("flaky");

        Assert.Equal(blob, await File.ReadAllBytesAsync(pulled.ModelBlobPath));
        var requests = kit.Registry.BlobRequests(layer.Digest).ToList();
        Assert.Equal([0L, 300_000, 600_000], requests.Select(r => r.RangeStart ?? -1));
        Assert.Equal(blob.Length, kit.Registry.BytesServed(layer.Digest));
    }

    [Fact]
    public async Task AWrongDigestIsDiscardedAndFetchedOnceMore()
    {
        var blob = RegistryTestKit.RandomBytes(100_000, seed: 3);
        await using var kit = await RegistryTestKit.StartAsync();
        var layer = kit.Registry.AddBlob(MediaTypes.Model, blob);
        kit.Registry.AddModel("library", "corrupt", "latest", layer);
        kit.Registry.CorruptResponses[layer.Digest] = 1;
        var store = kit.NewStore();

        var pulled = await new OllamaRegistryClient(kit.Http, store, kit.Options()).PullAsync("corrupt");

        Assert.Equal(blob, await File.ReadAllBytesAsync(pulled.ModelBlobPath));
        Assert.Equal(2, kit.Registry.BlobRequests(layer.Digest).Count());
    }

    [Fact]
    public async Task AlwaysWrongBytesEndInAClearErrorAndNoModel()
    {
        var blob = RegistryTestKit.RandomBytes(100_000, seed: 4);
        await using var kit = await RegistryTestKit.StartAsync();
        var layer = kit.Registry.AddBlob(MediaTypes.Model, blob);
        kit.Registry.AddModel("library", "corrupt", "latest", layer);
        kit.Registry.CorruptResponses[layer.Digest] = int.MaxValue;
        var store = kit.NewStore();

        var error = await Assert.ThrowsAsync<BlobDigestMismatchException>(() => new OllamaRegistryClient(kit.Http, store, kit.Options()).PullAsync("corrupt"));

        Assert.Equal(layer.Digest, error.Expected);
        Assert.Contains(layer.Digest, error.Message);
        Assert.Equal(2, kit.Registry.BlobRequests(layer.Digest).Count());
        Assert.False(store.HasBlob(layer.Digest));
        Assert.DoesNotContain(Directory.EnumerateFiles(store.BlobsDirectory), f => f.Contains(layer.Digest[7..], StringComparison.Ordinal));
        Assert.Null(store.TryResolve("corrupt"));
    }

    [Fact]
    public async Task ServerErrorsAreRetriedUntilTheyPass()
    {
        var blob = RegistryTestKit.RandomBytes(50_000, seed: 5);
        await using var kit = await RegistryTestKit.StartAsync();
        kit.Registry.AddModel("library", "busy", "latest", kit.Registry.AddBlob(MediaTypes.Model, blob));
        kit.Registry.FailFirstRequests = 3;
        var store = kit.NewStore();

        var pulled = await new OllamaRegistryClient(kit.Http, store, kit.Options()).PullAsync("busy");

        Assert.Equal(blob, await File.ReadAllBytesAsync(pulled.ModelBlobPath));
        Assert.Equal(3, kit.Registry.Log.Count(r => r.Status == 503));
    }

    [Fact]
    public async Task ServerErrorsBeyondTheRetryBudgetFailNamingTheRequest()
    {
        await using var kit = await RegistryTestKit.StartAsync();
        kit.Registry.AddModel("library", "down", "latest", kit.Registry.AddBlob(MediaTypes.Model, [1, 2, 3]));
        kit.Registry.FailFirstRequests = 100;

        var error = await Assert.ThrowsAsync<RegistryException>(() => new OllamaRegistryClient(kit.Http, kit.NewStore(), kit.Options(maxRetries: 2)).PullAsync("down"));

        Assert.Contains("manifest of 'down:latest'", error.Message);
        Assert.Contains("503", error.Message);
        Assert.Equal(3, kit.Registry.Log.Count);
    }

    [Fact]
    public async Task AMissingModelIsAClear404()
    {
        await using var kit = await RegistryTestKit.StartAsync();
        var error = await Assert.ThrowsAsync<RegistryException>(() => new OllamaRegistryClient(kit.Http, kit.NewStore(), kit.Options()).PullAsync("nothere:7b"));
        Assert.Equal(404, error.StatusCode);
        Assert.Contains("nothere:7b", error.Message);
    }

    [Fact]
    public async Task ACancelledPullResumesAndFetchesEachByteOnce()
    {
        var blob = RegistryTestKit.RandomBytes(2 << 20, seed: 6);
        await using var kit = await RegistryTestKit.StartAsync();
        var layer = kit.Registry.AddBlob(MediaTypes.Model, blob);
        kit.Registry.AddModel("library", "slow", "latest", layer);
        kit.Registry.StallAfterBytes = 128 << 10; // every response sends 128 KiB, then hangs
        var store = kit.NewStore();
        var options = kit.Options(rangedThreshold: 1 << 20);
        using var cts = new CancellationTokenSource();
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new ProgressLog
        {
            OnReport = p =>
            {
                if (p.Digest == layer.Digest && p.Completed == 4 * (128 << 10)) stalled.TrySetResult();
            },
        };

        var pull = new OllamaRegistryClient(kit.Http, store, options).PullAsync("slow", progress, cts.Token);
        await stalled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pull);
        Assert.Null(store.TryResolve("slow"));
        Assert.False(store.HasBlob(layer.Digest));

        kit.Registry.StallAfterBytes = null;
        var resumed = await new OllamaRegistryClient(kit.Http, store, options).PullAsync("slow");

        Assert.Equal(blob, await File.ReadAllBytesAsync(resumed.ModelBlobPath));
        Assert.Equal(blob.Length, kit.Registry.BytesServed(layer.Digest));
        var starts = kit.Registry.BlobRequests(layer.Digest).Select(r => r.RangeStart ?? -1).Order();
        Assert.Equal([0L, 131072, 524288, 655360, 1048576, 1179648, 1572864, 1703936], starts); // the resume asks only for the rest
        Assert.Empty(Directory.EnumerateFiles(store.BlobsDirectory, "*partial*"));
    }

    [Fact]
    public async Task RepullingAChangedTagMovesTheTagButNotThePinnedVersion()
    {
        await using var kit = await RegistryTestKit.StartAsync();
        var weights = kit.Registry.AddBlob(MediaTypes.Model, RegistryTestKit.RandomBytes(10_000, seed: 7));
        var v1 = kit.Registry.AddModel("library", "moving", "latest", weights, kit.Registry.AddBlob(MediaTypes.System, "first"u8.ToArray()));
        var store = kit.NewStore();
        var client = new OllamaRegistryClient(kit.Http, store, kit.Options());
        await client.PullAsync("moving");
        var v2 = kit.Registry.AddModel("library", "moving", "latest", weights, kit.Registry.AddBlob(MediaTypes.System, "second"u8.ToArray()));

        await client.PullAsync("moving");

        Assert.NotEqual(v1, v2);
        Assert.Equal("second", store.Resolve("moving").System);
        var pinned = store.Resolve($"moving@{v1}");
        Assert.Equal(v1, pinned.ManifestDigest);
        Assert.Equal("first", pinned.System);
        store.Prune(TimeSpan.Zero);
        Assert.Equal("first", store.Resolve($"moving@{v1}").System); // its blobs survive pruning
    }

    [Fact]
    public async Task APinnedPullFetchesExactlyThatManifestAndLeavesTheTagAlone()
    {
        await using var kit = await RegistryTestKit.StartAsync();
        var weights = kit.Registry.AddBlob(MediaTypes.Model, RegistryTestKit.RandomBytes(5_000, seed: 8));
        var v1 = kit.Registry.AddModel("library", "pin", "latest", weights, kit.Registry.AddBlob(MediaTypes.System, "one"u8.ToArray()));
        var v2 = kit.Registry.AddModel("library", "pin", "latest", weights, kit.Registry.AddBlob(MediaTypes.System, "two"u8.ToArray()));
        var store = kit.NewStore();
        var client = new OllamaRegistryClient(kit.Http, store, kit.Options());
        await client.PullAsync("pin");

        var pinned = await client.PullAsync($"pin@{v1}");

        Assert.Equal(v1, pinned.ManifestDigest);
        Assert.Equal("one", pinned.System);
        Assert.Equal(v2, store.Resolve("pin").ManifestDigest);
    }
}
