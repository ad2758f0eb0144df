using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Takase.Library.Store;

public sealed partial class ModelStore
{
    /// <summary>Parses <paramref name="name"/> and resolves it; see <see cref="Resolve(ModelName)"/>.</summary>
    public StoredModel Resolve(string name) => Resolve(ModelName.Parse(name));

    /// <summary>
    /// Finds a model and reads it. A plain name follows its tag (own root first, then read-only roots); a pinned
    /// <c>name@sha256:…</c> resolves only to the manifest with exactly that digest — the tag's current one or one
    /// the tag pointed at before (kept in <see cref="HistoryDirectory"/>).
    /// </summary>
    /// <exception cref="ModelNotFoundException">No root holds the name (or that digest of it).</exception>
    /// <exception cref="InvalidManifestException">The manifest file is corrupt.</exception>
    /// <exception cref="ModelStoreException">A blob the manifest needs is missing or a layer is malformed.</exception>
    public StoredModel Resolve(ModelName name)
    {
        var found = FindManifest(name) ?? throw new ModelNotFoundException(name.DisplayShortest(), DescribeRoots());
        return ReadModel(name, found.Path, found.Bytes, found.ReadOnly);
    }

    /// <summary>Like <see cref="Resolve(string)"/> but null when the model is absent (other errors still throw).</summary>
    public StoredModel? TryResolve(string name)
    {
        var parsed = ModelName.Parse(name);
        var found = FindManifest(parsed);
        return found is null ? null : ReadModel(parsed, found.Path, found.Bytes, found.ReadOnly);
    }

    /// <summary>Every model in every root, own root first; a name in both shows the own root's model. Unreadable manifests are skipped.</summary>
    public IReadOnlyList<ModelListEntry> List()
    {
        var seen = new HashSet<ModelName>();
        var entries = new List<ModelListEntry>();
        foreach (var root in AllRoots)
        {
            var readOnly = root != Root;
            foreach (var (name, path) in EnumerateManifests(Path.Combine(root, "manifests")))
            {
                if (!seen.Add(name)) continue;
                try
                {
                    var bytes = File.ReadAllBytes(path);
                    var manifest = Manifest.Parse(bytes, path);
                    entries.Add(new ModelListEntry(name, BlobDigest.Of(bytes), manifest.TotalSize, File.GetLastWriteTimeUtc(path), readOnly));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidManifestException)
                {
                    // Like Ollama's list: a broken manifest must not hide the others; Resolve reports it in full.
                }
            }
        }
        return entries;
    }

    /// <summary>
    /// Points <paramref name="name"/> at the given manifest bytes (kept byte for byte, so the digest a registry
    /// computed stays valid) and returns their digest. Every blob the manifest names must already be stored;
    /// blobs only a read-only root holds are copied in first. The manifest the tag pointed at before, if
    /// different, is kept for pinned names.
    /// </summary>
    /// <remarks>
    /// With a pinned name (<c>name@sha256:…</c>) the bytes must have that digest; they become the tag's manifest only
    /// when the tag does not exist yet, otherwise they are kept beside it for the pinned name and the tag is left alone.
    /// </remarks>
    public async Task<string> WriteManifestAsync(ModelName name, byte[] manifestBytes, CancellationToken cancellationToken = default)
    {
        if (name.Digest is not null && BlobDigest.Of(manifestBytes) != name.Digest)
            throw new ModelStoreException($"the manifest for '{name}' has digest {BlobDigest.Of(manifestBytes)}, not the pinned one; it was not written.");
        var manifest = Manifest.Parse(manifestBytes, $"for '{name.DisplayShortest()}'");
        foreach (var layer in manifest.AllBlobs)
            await EnsureOwnBlobAsync(layer, name.DisplayShortest(), cancellationToken).ConfigureAwait(false);

        var path = Path.Combine(ManifestsDirectory, name.RelativeManifestPath);
        var existing = FindManifestFile(ManifestsDirectory, name.WithoutDigest());
        var digest = BlobDigest.Of(manifestBytes);
        try
        {
            if (existing is not null)
            {
                var old = File.ReadAllBytes(existing);
                var oldDigest = BlobDigest.Of(old);
                if (oldDigest == digest) return digest;
                if (name.Digest is not null)
                {
                    AtomicFile.Write(HistoryPath(name, digest), manifestBytes, BeforeCommit);
                    return digest;
                }
                AtomicFile.Write(HistoryPath(name, oldDigest), old, BeforeCommit);
                path = existing; // keep the case the name was first stored with
            }
            AtomicFile.Write(path, manifestBytes, BeforeCommit);
        }
        catch (IOException e)
        {
            throw IoFailure($"writing the manifest of '{name.DisplayShortest()}'", path, e);
        }
        return digest;
    }

    /// <summary>Serializes a manifest in Ollama's format and writes it; see <see cref="WriteManifestAsync(ModelName, byte[], CancellationToken)"/>.</summary>
    public Task<string> WriteManifestAsync(ModelName name, Manifest manifest, CancellationToken cancellationToken = default) =>
        WriteManifestAsync(name, manifest.ToBytes(), cancellationToken);

    /// <summary>
    /// Gives a model a second name (Ollama's <c>cp</c>): the destination points at the very same manifest bytes,
    /// so both names share blobs and digest. A pinned source copies that exact version.
    /// </summary>
    public async Task<StoredModel> CopyAsync(string source, string destination, CancellationToken cancellationToken = default)
    {
        var from = ModelName.Parse(source);
        var to = ModelName.Parse(destination);
        if (to.Digest is not null)
            throw new ModelStoreException($"cannot copy to '{destination}': the destination must be a plain name (no @digest).");
        using var writing = BeginWrite();
        var found = FindManifest(from) ?? throw new ModelNotFoundException(from.DisplayShortest(), DescribeRoots());
        await WriteManifestAsync(to, found.Bytes, cancellationToken).ConfigureAwait(false);
        return Resolve(to);
    }

    /// <summary>
    /// Removes a model from <see cref="Root"/> (Ollama's <c>rm</c>), then prunes blobs nothing refers to any more.
    /// A plain name removes the tag and the versions kept for it; a pinned name removes only that version.
    /// Models in read-only roots are refused: Takase never changes Ollama's folder.
    /// </summary>
    public PruneResult Delete(string name)
    {
        var parsed = ModelName.Parse(name);
        var current = FindManifestFile(ManifestsDirectory, parsed.WithoutDigest());
        var historyDir = HistoryFolder(parsed);
        var removed = false;
        if (parsed.Digest is null)
        {
            if (current is not null) { File.Delete(current); removed = true; }
            if (historyDir is not null && Directory.Exists(historyDir)) { Directory.Delete(historyDir, recursive: true); removed = true; }
        }
        else
        {
            if (current is not null && BlobDigest.Of(File.ReadAllBytes(current)) == parsed.Digest) { File.Delete(current); removed = true; }
            var pinned = historyDir is null ? null : Path.Combine(historyDir, BlobDigest.FileName(parsed.Digest));
            if (pinned is not null && File.Exists(pinned)) { File.Delete(pinned); removed = true; }
        }
        if (!removed)
        {
            if (FindManifest(parsed) is { ReadOnly: true } ro)
                throw new ModelStoreException($"model '{parsed.DisplayShortest()}' lives in the read-only folder {Path.GetDirectoryName(ro.Path)}; Takase never changes it (use ollama rm).");
            throw new ModelNotFoundException(parsed.DisplayShortest(), Root);
        }
        RemoveEmptyFolders(ManifestsDirectory);
        RemoveEmptyFolders(HistoryDirectory);
        return Prune();
    }

    private sealed record FoundManifest(string Path, byte[] Bytes, bool ReadOnly);

    private FoundManifest? FindManifest(ModelName name)
    {
        foreach (var root in AllRoots)
        {
            var readOnly = root != Root;
            var file = FindManifestFile(Path.Combine(root, "manifests"), name.WithoutDigest());
            if (file is not null)
            {
                var bytes = ReadManifestBytes(file);
                if (name.Digest is null || BlobDigest.Of(bytes) == name.Digest) return new FoundManifest(file, bytes, readOnly);
            }
            if (name.Digest is not null && !readOnly && HistoryFolder(name) is { } dir)
            {
                var pinned = Path.Combine(dir, BlobDigest.FileName(name.Digest));
                if (File.Exists(pinned))
                {
                    var bytes = ReadManifestBytes(pinned);
                    // The file name is a promise; a file that breaks it is not the pinned model.
                    if (BlobDigest.Of(bytes) == name.Digest) return new FoundManifest(pinned, bytes, false);
                }
            }
        }
        return null;
    }

    private static byte[] ReadManifestBytes(string path)
    {
        try { return File.ReadAllBytes(path); }
        catch (IOException e) { throw new ModelStoreException($"reading the manifest {path} failed: {e.Message}", e); }
    }

    private string HistoryPath(ModelName name, string digest) =>
        Path.Combine(HistoryDirectory, name.RelativeManifestPath, BlobDigest.FileName(digest));

    private string? HistoryFolder(ModelName name) =>
        FindFolderIgnoringCase(HistoryDirectory, [name.Host, name.Namespace, name.Model, name.Tag]);

    /// <summary>The manifest file for a name: the exact path, else a case-insensitive match (names compare case-insensitively).</summary>
    private static string? FindManifestFile(string manifestsDir, ModelName name)
    {
        var exact = Path.Combine(manifestsDir, name.RelativeManifestPath);
        if (File.Exists(exact)) return exact;
        var dir = FindFolderIgnoringCase(manifestsDir, [name.Host, name.Namespace, name.Model]);
        if (dir is null) return null;
        return Directory.EnumerateFiles(dir).FirstOrDefault(f => string.Equals(Path.GetFileName(f), name.Tag, StringComparison.OrdinalIgnoreCase));
    }

    private static string? FindFolderIgnoringCase(string start, string[] parts)
    {
        var dir = start;
        foreach (var part in parts)
        {
            if (!Directory.Exists(dir)) return null;
            var exact = Path.Combine(dir, part);
            dir = Directory.Exists(exact) ? exact
                : Directory.EnumerateDirectories(dir).FirstOrDefault(d => string.Equals(Path.GetFileName(d), part, StringComparison.OrdinalIgnoreCase));
            if (dir is null) return null;
        }
        return Directory.Exists(dir) ? dir : null;
    }

    /// <summary>All <c>host/namespace/model/tag</c> files below a manifests folder whose path is a valid name (as Ollama's glob).</summary>
    private static IEnumerable<(ModelName Name, string Path)> EnumerateManifests(string manifestsDir)
    {
        if (!Directory.Exists(manifestsDir)) yield break;
        var fourDeep = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3 };
        foreach (var file in Directory.EnumerateFiles(manifestsDir, "*", fourDeep))
        {
            var parts = Path.GetRelativePath(manifestsDir, file).Split(Path.DirectorySeparatorChar);
            // Temp files (".x.tmp-…") and foreign files fail name validation: they are not models.
            if (parts.Length == 4 && ModelName.TryParse($"{parts[0]}/{parts[1]}/{parts[2]}:{parts[3]}", out var name) && name.Digest is null
                && name.RelativeManifestPath == string.Join(Path.DirectorySeparatorChar, parts))
                yield return (name, file);
        }
    }

    // Manifests and their text layers are content-addressed: the same manifest bytes always name the same template, system,
    // parameters, licenses and messages, so those are read once per manifest digest and every later request only re-reads
    // the small manifest file (which is what changes when a tag moves). Blob paths are looked up each time, since which
    // root holds a blob can change. Bounded, since only a handful of models are in use.
    private sealed record TextLayers(string? Template, string? System, JsonObject? Parameters, IReadOnlyList<string> Licenses, IReadOnlyList<ModelMessage>? Messages);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TextLayers> _textLayers = new(StringComparer.Ordinal);
    private const int TextLayerCacheSize = 256;

    private StoredModel ReadModel(ModelName name, string manifestPath, byte[] bytes, bool readOnly)
    {
        var manifest = Manifest.Parse(bytes, manifestPath);
        var display = name.DisplayShortest();
        var digest = BlobDigest.Of(bytes);
        if (!_textLayers.TryGetValue(digest, out var texts))
        {
            texts = ReadTextLayers(manifest, display);
            if (_textLayers.Count >= TextLayerCacheSize) _textLayers.Clear();
            _textLayers[digest] = texts;
        }
        string? modelPath = null;
        var adapters = new List<string>();
        var projectors = new List<string>();
        foreach (var layer in manifest.Layers)
        {
            switch (layer.MediaType)
            {
                case MediaTypes.Model: modelPath ??= RequireBlob(layer, display); break;
                case MediaTypes.Adapter: adapters.Add(RequireBlob(layer, display)); break;
                case MediaTypes.Projector: projectors.Add(RequireBlob(layer, display)); break;
                default: break;
            }
        }
        if (modelPath is null)
            throw new ModelStoreException($"model '{display}' ({manifestPath}) has no GGUF weights layer ({MediaTypes.Model}); Takase can only run GGUF models.");
        return new StoredModel(name, digest, manifest, manifestPath, readOnly, modelPath, texts.Template, texts.System,
            (JsonObject?)texts.Parameters?.DeepClone(), texts.Licenses, texts.Messages, adapters, projectors);
    }

    private TextLayers ReadTextLayers(Manifest manifest, string display)
    {
        string? template = null, system = null;
        JsonObject? parameters = null;
        List<ModelMessage>? messages = null;
        var licenses = new List<string>();
        foreach (var layer in manifest.Layers)
        {
            switch (layer.MediaType)
            {
                case MediaTypes.Template: template = ReadText(layer, display); break;
                case MediaTypes.System: system = ReadText(layer, display); break;
                case MediaTypes.License: licenses.Add(ReadText(layer, display)); break;
                case MediaTypes.Params: parameters = ParseParams(layer, ReadText(layer, display), display); break;
                case MediaTypes.Messages: messages = ParseMessages(layer, ReadText(layer, display), display); break;
                default: break; // weights are found by path; layers Takase does not use yet (e.g. safetensors tensors) are carried, not read
            }
        }
        return new TextLayers(template, system, parameters, licenses, messages);
    }

    private string RequireBlob(Layer layer, string model) =>
        FindBlob(layer.Digest) ?? throw new ModelStoreException(
            $"blob {layer.Digest} ({layer.MediaType}) of model '{model}' is missing from {DescribeRoots()}; pull or create the model again.");

    private string ReadText(Layer layer, string model)
    {
        var path = RequireBlob(layer, model);
        try { return File.ReadAllText(path, Encoding.UTF8); }
        catch (IOException e) { throw new ModelStoreException($"reading layer {layer.Digest} of model '{model}' failed: {e.Message}", e); }
    }

    private static JsonObject ParseParams(Layer layer, string text, string model)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject
                ?? throw new ModelStoreException($"the params layer {layer.Digest} of model '{model}' is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new ModelStoreException($"the params layer {layer.Digest} of model '{model}' is not valid JSON: {e.Message}", e);
        }
    }

    private static List<ModelMessage> ParseMessages(Layer layer, string text, string model)
    {
        try
        {
            if (JsonNode.Parse(text) is not JsonArray array)
                throw new ModelStoreException($"the messages layer {layer.Digest} of model '{model}' is not a JSON array.");
            return array.Select(m => new ModelMessage(
                m?["role"]?.GetValue<string>() ?? throw new ModelStoreException($"a message in layer {layer.Digest} of model '{model}' has no role."),
                m["content"]?.GetValue<string>() ?? "")).ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new ModelStoreException($"the messages layer {layer.Digest} of model '{model}' is malformed: {e.Message}", e);
        }
    }

    private string DescribeRoots() =>
        ReadOnlyRoots.Count == 0 ? Root : $"{Root} (or read-only {string.Join(", ", ReadOnlyRoots)})";

    private static void RemoveEmptyFolders(string dir)
    {
        if (!Directory.Exists(dir)) return;
        foreach (var sub in Directory.EnumerateDirectories(dir)) RemoveEmptyFolders(sub);
        if (!Directory.EnumerateFileSystemEntries(dir).Any())
        {
            try { Directory.Delete(dir); } catch (IOException) { }
        }
    }
}
