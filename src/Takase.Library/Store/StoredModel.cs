using System.Text.Json.Nodes;

namespace Takase.Library.Store;

/// <summary>
/// A model read from the store: its exact manifest (and that manifest's digest), the GGUF weights' path and the
/// contents of its small layers. Everything needed to load and prompt it, without touching the files again.
/// </summary>
/// <param name="Name">The full name it was resolved under (pinned names keep their digest).</param>
/// <param name="ManifestDigest">sha256 of the manifest bytes; <c>name@ManifestDigest</c> always resolves to this same model.</param>
/// <param name="Manifest">The parsed manifest.</param>
/// <param name="ManifestPath">The manifest file it was read from.</param>
/// <param name="IsReadOnly">True when it lives in a read-only root (an Ollama folder) that Takase never writes.</param>
/// <param name="ModelBlobPath">The GGUF weights (the first <see cref="MediaTypes.Model"/> layer).</param>
/// <param name="Template">The prompt template text, or null.</param>
/// <param name="System">The system prompt, or null.</param>
/// <param name="Parameters">Default options (the params layer's JSON object), or null.</param>
/// <param name="Licenses">License texts in manifest order (a model may carry several).</param>
/// <param name="Messages">Seed conversation messages, or null.</param>
/// <param name="AdapterPaths">LoRA adapter blob paths in manifest order.</param>
/// <param name="ProjectorPaths">Multimodal projector blob paths in manifest order.</param>
public sealed record StoredModel(
    ModelName Name,
    string ManifestDigest,
    Manifest Manifest,
    string ManifestPath,
    bool IsReadOnly,
    string ModelBlobPath,
    string? Template,
    string? System,
    JsonObject? Parameters,
    IReadOnlyList<string> Licenses,
    IReadOnlyList<ModelMessage>? Messages,
    IReadOnlyList<string> AdapterPaths,
    IReadOnlyList<string> ProjectorPaths)
{
    /// <summary>Total size of the layers and config (what <c>ollama list</c> shows).</summary>
    public long Size => Manifest.TotalSize;
}

/// <summary>One message of a model's seed conversation (Ollama's messages layer: <c>{"role":…,"content":…}</c>).</summary>
public sealed record ModelMessage(string Role, string Content);

/// <summary>One line of <see cref="ModelStore.List"/>.</summary>
/// <param name="Name">The model's full name.</param>
/// <param name="Digest">sha256 of its manifest bytes.</param>
/// <param name="Size">Sum of the layer and config sizes, in bytes.</param>
/// <param name="ModifiedAt">When the manifest was last written.</param>
/// <param name="IsReadOnly">True when it lives in a read-only (Ollama) root.</param>
public sealed record ModelListEntry(ModelName Name, string Digest, long Size, DateTimeOffset ModifiedAt, bool IsReadOnly);

/// <summary>What <see cref="ModelStore.Prune"/> removed.</summary>
/// <param name="RemovedBlobs">Digests of blobs no manifest referred to.</param>
/// <param name="RemovedPartials">File names of abandoned partial downloads and temp files.</param>
/// <param name="BytesFreed">Total bytes removed.</param>
public sealed record PruneResult(IReadOnlyList<string> RemovedBlobs, IReadOnlyList<string> RemovedPartials, long BytesFreed)
{
    /// <summary>Unreferenced blobs left in place because a pull or create was writing to the store at the time.</summary>
    public int DeferredBlobs { get; init; }
}
