namespace Takase.Library.Store;

/// <summary>
/// The content-addressed model store, laid out exactly as Ollama's (so either tool can read the other's):
/// <code>
/// root/blobs/sha256-&lt;hex&gt;                         every layer and config, named by its digest
/// root/manifests/&lt;host&gt;/&lt;namespace&gt;/&lt;model&gt;/&lt;tag&gt;  the manifest a name points at
/// root/history/&lt;host&gt;/&lt;namespace&gt;/&lt;model&gt;/&lt;tag&gt;/sha256-&lt;hex&gt;  manifests a tag pointed at before
/// </code>
/// The <c>history</c> folder is Takase's own: when a pull or create moves a tag to a new manifest, the old one is
/// kept there, so <c>name@sha256:&lt;old digest&gt;</c> keeps resolving to exactly the model it meant — a model
/// never changes under a pinned name. Read-only roots (an existing Ollama folder) are listed and resolved but
/// never written; blobs a copy needs from them are copied into <see cref="Root"/>.
/// </summary>
/// <remarks>
/// Every write is atomic (temp file in the same folder, flushed to disk, renamed) and every blob is
/// sha256-verified before it gets its final name, so a crash, a full disk or a bad download never leaves a
/// wrong file under a final name. The store is safe for one writer process at a time.
/// </remarks>
public sealed partial class ModelStore
{
    /// <summary>Environment variable that moves Takase's own store.</summary>
    public const string ModelsEnvironmentVariable = "TAKASE_MODELS";

    /// <summary>Environment variable Ollama uses for its store (read-only for Takase).</summary>
    public const string OllamaModelsEnvironmentVariable = "OLLAMA_MODELS";

    /// <summary>Opens (without creating anything yet) a store at <paramref name="root"/> with optional read-only roots.</summary>
    public ModelStore(string root, IEnumerable<string>? readOnlyRoots = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
        ReadOnlyRoots = (readOnlyRoots ?? [])
            .Select(Path.GetFullPath)
            .Where(r => !string.Equals(r.TrimEnd(Path.DirectorySeparatorChar), Root.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
            .Distinct()
            .ToList();
    }

    /// <summary>
    /// The store a user expects: <c>$TAKASE_MODELS</c> or <c>~/.takase/models</c>, with Ollama's folder
    /// (<c>$OLLAMA_MODELS</c> or <c>~/.ollama/models</c>) as a read-only root when it exists.
    /// </summary>
    public static ModelStore CreateDefault()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var root = Environment.GetEnvironmentVariable(ModelsEnvironmentVariable) is { Length: > 0 } r ? r : Path.Combine(home, ".takase", "models");
        var ollama = Environment.GetEnvironmentVariable(OllamaModelsEnvironmentVariable) is { Length: > 0 } o ? o : Path.Combine(home, ".ollama", "models");
        return new ModelStore(root, Directory.Exists(ollama) ? [ollama] : []);
    }

    /// <summary>Takase's own store folder, the only one written.</summary>
    public string Root { get; }

    /// <summary>Stores that are listed and resolved but never written (e.g. Ollama's).</summary>
    public IReadOnlyList<string> ReadOnlyRoots { get; }

    /// <summary>The folder of finished blobs (and of partial downloads, under names that are not digests).</summary>
    public string BlobsDirectory => Path.Combine(Root, "blobs");

    /// <summary>The folder of manifests, one file per <c>host/namespace/model/tag</c>.</summary>
    public string ManifestsDirectory => Path.Combine(Root, "manifests");

    /// <summary>The folder of superseded manifests kept for pinned names.</summary>
    public string HistoryDirectory => Path.Combine(Root, "history");

    /// <summary>Test seam: called with the final path just before an atomic write is renamed into place.</summary>
    internal Action<string>? BeforeCommit { get; set; }

    private IEnumerable<string> AllRoots => ReadOnlyRoots.Prepend(Root);

    /// <summary>Where a blob of this digest would live in <see cref="Root"/> (whether or not it exists).</summary>
    public string BlobPath(string digest) => Path.Combine(BlobsDirectory, BlobDigest.FileName(digest));

    /// <summary>True when <see cref="Root"/> holds a finished blob of this digest.</summary>
    public bool HasBlob(string digest) => File.Exists(BlobPath(digest));

    /// <summary>The path of a finished blob in any root (own root first), or null.</summary>
    public string? FindBlob(string digest)
    {
        var file = BlobDigest.FileName(digest);
        foreach (var root in AllRoots)
        {
            var path = Path.Combine(root, "blobs", file);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    private static ModelStoreException IoFailure(string what, string path, Exception e) =>
        new($"{what} failed at {path}: {e.Message}. Check free disk space and permissions; nothing was left under a final name.", e);
}
