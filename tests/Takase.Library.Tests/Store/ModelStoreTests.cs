using System.Text;
using Takase.Library.Store;
using Takase.Tests.Support;

namespace Takase.Library.Tests.Store;

public class ModelStoreTests
{
    private static string Gguf => SharedData.Path("models/stories260K.gguf");

    [Fact]
    public async Task AModelOllamaWroteIsReadFromAReadOnlyRootAndThatRootIsNeverWritten()
    {
        using var dir = new TempDir();
        var ollama = Path.Combine(dir.Path, "ollama");
        var gguf = File.ReadAllBytes(Gguf);
        var model = OllamaLayout.WriteBlob(ollama, gguf);
        var template = OllamaLayout.WriteBlob(ollama, "{{ .Prompt }}"u8.ToArray());
        var system = OllamaLayout.WriteBlob(ollama, "You are terse."u8.ToArray());
        var paramsJson = """{"num_ctx":4096,"stop":["<|eot|>"]}"""u8.ToArray();
        var parameters = OllamaLayout.WriteBlob(ollama, paramsJson);
        var license = OllamaLayout.WriteBlob(ollama, "MIT"u8.ToArray());
        var messagesJson = """[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]"""u8.ToArray();
        var messages = OllamaLayout.WriteBlob(ollama, messagesJson);
        var configJson = """{"model_format":"gguf","model_family":"llama","model_families":["llama"],"model_type":"260K","file_type":"F32","architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"""u8.ToArray();
        var config = OllamaLayout.WriteBlob(ollama, configJson);
        var manifest = OllamaLayout.WriteManifest(ollama, "registry.ollama.ai", "library", "stories", "260k", (config, configJson.Length),
            (MediaTypes.Model, model, gguf.Length), (MediaTypes.Template, template, 13), (MediaTypes.System, system, 14),
            (MediaTypes.Params, parameters, paramsJson.Length), (MediaTypes.License, license, 3), (MediaTypes.Messages, messages, messagesJson.Length));
        var before = OllamaLayout.Snapshot(ollama);
        var store = new ModelStore(Path.Combine(dir.Path, "takase"), [ollama]);

        var read = store.Resolve("stories:260k");
        var listed = Assert.Single(store.List());
        await store.CopyAsync("stories:260k", "mine/stories:copy");
        store.Prune(TimeSpan.Zero);
        var refused = Assert.Throws<ModelStoreException>(() => store.Delete("stories:260k"));

        Assert.True(read.IsReadOnly);
        Assert.Equal(BlobDigest.Of(manifest), read.ManifestDigest);
        Assert.Equal(Path.Combine(ollama, "blobs", "sha256-" + model[7..]), read.ModelBlobPath);
        Assert.Equal("{{ .Prompt }}", read.Template);
        Assert.Equal("You are terse.", read.System);
        Assert.Equal(4096, read.Parameters!["num_ctx"]!.GetValue<int>());
        Assert.Equal(["MIT"], read.Licenses);
        Assert.Equal([new ModelMessage("user", "hi"), new ModelMessage("assistant", "hello")], read.Messages);
        Assert.Equal("stories:260k", listed.Name.DisplayShortest());
        Assert.Equal(gguf.Length + 13 + 14 + paramsJson.Length + 3 + messagesJson.Length + configJson.Length, listed.Size);
        Assert.Equal(read.ManifestDigest, listed.Digest);
        Assert.True(listed.IsReadOnly);
        Assert.Contains("read-only", refused.Message);
        Assert.Equal(before, OllamaLayout.Snapshot(ollama));
        // The copy lives in Takase's own root with its own blobs, so it survives Ollama removing the original.
        var copy = store.Resolve("mine/stories:copy");
        Assert.False(copy.IsReadOnly);
        Assert.StartsWith(store.Root, copy.ModelBlobPath, StringComparison.Ordinal);
        Assert.Equal(read.ManifestDigest, copy.ManifestDigest);
    }

    [Fact]
    public async Task ImportedGgufResolvesWithItsLayersAndATakaseManifestOllamaCanParse()
    {
        using var dir = new TempDir();
        var store = new ModelStore(dir.Path);
        var template = await store.WriteTextLayerAsync(MediaTypes.Template, "{{ .Prompt }}");
        var parameters = await store.WriteTextLayerAsync(MediaTypes.Params, """{"temperature":0.2}""");

        var model = await store.ImportGgufAsync(Gguf, "tiny", [template, parameters]);

        Assert.Equal(File.ReadAllBytes(Gguf), File.ReadAllBytes(model.ModelBlobPath));
        Assert.Equal(Path.Combine(dir.Path, "blobs", BlobDigest.FileName(model.Manifest.Layers[0].Digest)), model.ModelBlobPath);
        Assert.Equal(0.2, model.Parameters!["temperature"]!.GetValue<double>());
        var manifestText = File.ReadAllText(Path.Combine(dir.Path, "manifests", "registry.ollama.ai", "library", "tiny", "latest"));
        Assert.StartsWith("""{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:""", manifestText);
        Assert.EndsWith("}\n", manifestText);
        var config = System.Text.Json.JsonSerializer.Deserialize<ModelConfig>(File.ReadAllBytes(store.BlobPath(model.Manifest.Config.Digest)))!;
        Assert.Equal("llama", config.ModelFamily);
        Assert.Equal([.. model.Manifest.Layers.Select(l => l.Digest)], config.RootFs.DiffIds);
    }

    [Fact]
    public async Task ABlobWriteThatFailsMidwayLeavesNoFileBehind()
    {
        using var dir = new TempDir();
        var store = new ModelStore(dir.Path);

        var error = await Assert.ThrowsAsync<DiskFullException>(() => store.WriteBlobAsync(new FailingStream(200_000)));

        Assert.Contains("disk", error.Message);
        Assert.Empty(Directory.EnumerateFiles(store.BlobsDirectory));
    }

    [Fact]
    public async Task ABlobWithTheWrongDigestNeverGetsAName()
    {
        using var dir = new TempDir();
        var store = new ModelStore(dir.Path);
        var wrong = BlobDigest.Of("something else"u8);

        var error = await Assert.ThrowsAsync<BlobDigestMismatchException>(() => store.WriteBlobAsync(new MemoryStream("content"u8.ToArray()), wrong));

        Assert.Equal(wrong, error.Expected);
        Assert.Equal(BlobDigest.Of("content"u8), error.Actual);
        Assert.Empty(Directory.EnumerateFiles(store.BlobsDirectory));
    }

    [Fact]
    public async Task AManifestWriteThatFailsBeforeItsRenameLeavesTheOldManifestAndNoTempFile()
    {
        using var dir = new TempDir();
        var store = new ModelStore(dir.Path);
        var first = await store.ImportGgufAsync(Gguf, "atomic");
        var system = await store.WriteTextLayerAsync(MediaTypes.System, "new");
        var manifestPath = first.ManifestPath;
        var before = File.ReadAllBytes(manifestPath);
        store.BeforeCommit = path => throw new IOException($"No space left on device : '{path}'");

        var error = await Assert.ThrowsAsync<ModelStoreException>(() =>
            store.WriteManifestAsync(ModelName.Parse("atomic"), Manifest.Create(first.Manifest.Config, [.. first.Manifest.Layers, system])));
        var fresh = await Assert.ThrowsAsync<DiskFullException>(() => store.ImportGgufAsync(Gguf, "other"));

        Assert.Contains("No space left", error.Message);
        Assert.Contains("not enough disk space", fresh.Message);
        Assert.Equal(before, File.ReadAllBytes(manifestPath));
        Assert.False(File.Exists(Path.Combine(store.ManifestsDirectory, "registry.ollama.ai", "library", "other", "latest")));
        Assert.Empty(Directory.EnumerateFiles(dir.Path, ".*", SearchOption.AllDirectories));
        store.BeforeCommit = null;
        Assert.Equal(first.ManifestDigest, store.Resolve("atomic").ManifestDigest);
    }

    [Fact]
    public async Task APinnedNameResolvesToExactlyItsManifestAfterTheTagMoves()
    {
        using var dir = new TempDir();
        var store = new ModelStore(dir.Path);
        var v1 = await store.ImportGgufAsync(Gguf, "pinned:v", [await store.WriteTextLayerAsync(MediaTypes.System, "one")]);
        var v2 = await store.ImportGgufAsync(Gguf, "pinned:v", [await store.WriteTextLayerAsync(MediaTypes.System, "two")]);

        var pinned = store.Resolve($"pinned:v@{v1.ManifestDigest}");

        Assert.NotEqual(v1.ManifestDigest, v2.ManifestDigest);
        Assert.Equal(v1.ManifestDigest, pinned.ManifestDigest);
        Assert.Equal("one", pinned.System);
        Assert.Equal("two", store.Resolve("pinned:v").System);
        Assert.Equal(v2.ManifestDigest, store.Resolve($"pinned:v@{v2.ManifestDigest}").ManifestDigest);
        Assert.Throws<ModelNotFoundException>(() => store.Resolve($"pinned:v@{BlobDigest.Of("nothing"u8)}"));
        Assert.Throws<ModelNotFoundException>(() => store.Resolve($"pinned:other@{v1.ManifestDigest}"));
        Assert.Single(store.List()); // the kept version is not a second model

        store.Delete($"pinned:v@{v1.ManifestDigest}");
        Assert.Throws<ModelNotFoundException>(() => store.Resolve($"pinned:v@{v1.ManifestDigest}"));
        Assert.Equal("two", store.Resolve("pinned:v").System);
    }

    [Fact]
    public async Task PruneRemovesUnreferencedBlobsAndStalePartialsOnly()
    {
        using var dir = new TempDir();
        var store = new ModelStore(dir.Path);
        var model = await store.ImportGgufAsync(Gguf, "keep");
        var orphan = await store.WriteBlobAsync(new MemoryStream("orphan"u8.ToArray()));
        var stale = Path.Combine(store.BlobsDirectory, "sha256-" + new string('1', 64) + "-partial");
        var fresh = Path.Combine(store.BlobsDirectory, "sha256-" + new string('2', 64) + "-partial");
        File.WriteAllBytes(stale, new byte[100]);
        File.WriteAllBytes(fresh, new byte[50]);
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddDays(-2));

        var result = store.Prune();

        Assert.Equal([orphan], result.RemovedBlobs);
        Assert.Equal([Path.GetFileName(stale)], result.RemovedPartials);
        Assert.Equal(106, result.BytesFreed);
        Assert.True(File.Exists(fresh));
        Assert.All(model.Manifest.AllBlobs, l => Assert.True(store.HasBlob(l.Digest)));
    }

    [Fact]
    public async Task CopySharesTheManifestAndDeleteFreesBlobsOnlyWhenTheLastNameGoes()
    {
        using var dir = new TempDir();
        var store = new ModelStore(dir.Path);
        var original = await store.ImportGgufAsync(Gguf, "orig:1");

        var copy = await store.CopyAsync("orig:1", "team/copy:2");
        Assert.Equal(original.ManifestDigest, copy.ManifestDigest);
        Assert.Equal(["orig:1", "team/copy:2"], store.List().Select(e => e.Name.DisplayShortest()).Order());

        var firstDelete = store.Delete("orig:1");
        Assert.Empty(firstDelete.RemovedBlobs);
        Assert.Equal(File.ReadAllBytes(Gguf), File.ReadAllBytes(store.Resolve("team/copy:2").ModelBlobPath));
        Assert.Throws<ModelNotFoundException>(() => store.Resolve("orig:1"));

        var lastDelete = store.Delete("team/copy:2");
        Assert.Equal(original.Manifest.AllBlobs.Select(l => l.Digest).Order(), lastDelete.RemovedBlobs.Order());
        Assert.Empty(Directory.EnumerateFiles(store.BlobsDirectory));
        Assert.Empty(store.List());
        Assert.Throws<ModelNotFoundException>(() => store.Delete("team/copy:2"));
    }

    [Fact]
    public async Task ACorruptManifestIsAClearErrorAndDoesNotHideOtherModels()
    {
        using var dir = new TempDir();
        var store = new ModelStore(dir.Path);
        await store.ImportGgufAsync(Gguf, "good");
        var broken = Path.Combine(store.ManifestsDirectory, "registry.ollama.ai", "library", "broken", "latest");
        Directory.CreateDirectory(Path.GetDirectoryName(broken)!);
        File.WriteAllText(broken, """{"schemaVersion":2,"layers":[{"mediaType":""");

        var error = Assert.Throws<InvalidManifestException>(() => store.Resolve("broken"));

        Assert.Contains(broken, error.Message);
        Assert.Contains("not valid manifest JSON", error.Message);
        Assert.Equal(["good:latest"], store.List().Select(e => e.Name.DisplayShortest()));
        Assert.Throws<InvalidManifestException>(() => store.Prune()); // cannot know what the broken one refers to
    }

    [Fact]
    public async Task MissingBlobsAndNonGgufImportsAreClearErrors()
    {
        using var dir = new TempDir();
        var store = new ModelStore(dir.Path);
        var model = await store.ImportGgufAsync(Gguf, "gone");
        File.Delete(model.ModelBlobPath);
        var notGguf = dir.File("notes.txt");
        File.WriteAllText(notGguf, "hello");

        var missing = Assert.Throws<ModelStoreException>(() => store.Resolve("gone"));
        var bad = await Assert.ThrowsAsync<ModelStoreException>(() => store.ImportGgufAsync(notGguf, "bad"));

        Assert.Contains(model.Manifest.Layers[0].Digest, missing.Message);
        Assert.Contains("pull or create the model again", missing.Message);
        Assert.Contains("notes.txt", bad.Message);
        Assert.Contains("not a usable GGUF", bad.Message);
        Assert.Throws<ModelNotFoundException>(() => store.Resolve("bad"));
    }

    [Fact]
    public void TheDefaultStoreHonoursTakaseAndOllamaFolders()
    {
        // Environment variables are process-wide: read what is set rather than changing it under other tests.
        var store = ModelStore.CreateDefault();
        var expected = Environment.GetEnvironmentVariable(ModelStore.ModelsEnvironmentVariable) is { Length: > 0 } r
            ? Path.GetFullPath(r)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".takase", "models");
        Assert.Equal(expected, store.Root);
        Assert.DoesNotContain(store.Root, store.ReadOnlyRoots);
    }

    /// <summary>A stream that fails with an IO error after some bytes, like a disk filling up mid-copy.</summary>
    private sealed class FailingStream(int failAfter) : Stream
    {
        private int _read;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_read >= failAfter) throw new IOException("No space left on device");
            var n = Math.Min(count, failAfter - _read);
            buffer.AsSpan(offset, n).Fill(7);
            _read += n;
            return n;
        }
    }
}
