using System.Text.Json;
using System.Text.Json.Serialization;

namespace Takase.Library.Store;

/// <summary>The media types of Ollama's manifests and layers (the registry protocol and the on-disk store use the same).</summary>
public static class MediaTypes
{
    /// <summary>The manifest itself (Docker distribution manifest v2).</summary>
    public const string Manifest = "application/vnd.docker.distribution.manifest.v2+json";

    /// <summary>The config blob (Docker image config v1; Ollama's <c>ConfigV2</c>).</summary>
    public const string Config = "application/vnd.docker.container.image.v1+json";

    /// <summary>The GGUF weights.</summary>
    public const string Model = "application/vnd.ollama.image.model";

    /// <summary>A LoRA adapter (GGUF).</summary>
    public const string Adapter = "application/vnd.ollama.image.adapter";

    /// <summary>A multimodal projector (GGUF).</summary>
    public const string Projector = "application/vnd.ollama.image.projector";

    /// <summary>The prompt template (Go template text).</summary>
    public const string Template = "application/vnd.ollama.image.template";

    /// <summary>The system prompt (text).</summary>
    public const string System = "application/vnd.ollama.image.system";

    /// <summary>Default options (a JSON object).</summary>
    public const string Params = "application/vnd.ollama.image.params";

    /// <summary>A license text; a model may have several.</summary>
    public const string License = "application/vnd.ollama.image.license";

    /// <summary>Seed conversation (a JSON array of role/content objects).</summary>
    public const string Messages = "application/vnd.ollama.image.messages";
}

/// <summary>One blob a manifest refers to, with Ollama's JSON property names.</summary>
/// <param name="MediaType">What the blob holds (<see cref="MediaTypes"/>).</param>
/// <param name="Digest">The blob's <c>sha256:</c> digest.</param>
/// <param name="Size">The blob's length in bytes.</param>
public sealed record Layer(
    [property: JsonPropertyName("mediaType")] string MediaType,
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("size")] long Size)
{
    /// <summary>Where the layer came from when it was inherited (Ollama's <c>from</c>), usually absent.</summary>
    [JsonPropertyName("from")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? From { get; init; }
}

/// <summary>
/// An OCI-style image manifest as Ollama writes it (<c>schemaVersion</c> 2, Docker v2 media type): one config
/// blob and the layers in order. Its digest is the sha256 of its exact bytes, so the bytes read from disk or a
/// registry are kept as they are rather than re-serialized.
/// </summary>
public sealed record Manifest(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("mediaType")] string MediaType,
    [property: JsonPropertyName("config")] Layer Config,
    [property: JsonPropertyName("layers")] IReadOnlyList<Layer> Layers)
{
    private static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A new manifest in Ollama's format.</summary>
    public static Manifest Create(Layer config, IEnumerable<Layer> layers) => new(2, MediaTypes.Manifest, config, layers.ToList());

    /// <summary>Every blob the manifest refers to: the layers and the config.</summary>
    [JsonIgnore]
    public IEnumerable<Layer> AllBlobs => Layers.Append(Config);

    /// <summary>Total size of the layers and the config, as Ollama's <c>Manifest.Size</c> counts it.</summary>
    [JsonIgnore]
    public long TotalSize => AllBlobs.Sum(l => l.Size);

    /// <summary>Compact JSON with a trailing newline, as Go's <c>json.Encoder</c> writes Ollama's manifests.</summary>
    public byte[] ToBytes()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(this, Options);
        var bytes = new byte[json.Length + 1];
        json.CopyTo(bytes, 0);
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    /// <summary>Parses manifest bytes; <paramref name="source"/> names where they came from for the error message.</summary>
    public static Manifest Parse(ReadOnlySpan<byte> bytes, string source)
    {
        Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(bytes, Options);
        }
        catch (JsonException e)
        {
            throw new InvalidManifestException(source, $"it is not valid manifest JSON ({e.Message})", e);
        }
        if (manifest is null) throw new InvalidManifestException(source, "it is JSON null");
        if (manifest.Layers is null) throw new InvalidManifestException(source, "it has no \"layers\" array");
        if (manifest.Config is null) throw new InvalidManifestException(source, "it has no \"config\" blob");
        foreach (var layer in manifest.AllBlobs)
        {
            if (layer is null || !BlobDigest.TryNormalize(layer.Digest, out _))
                throw new InvalidManifestException(source, $"a layer has no valid sha256 digest ({layer?.Digest ?? "null"})");
            if (layer.Size < 0) throw new InvalidManifestException(source, $"layer {layer.Digest} has a negative size");
        }
        return manifest;
    }
}

/// <summary>A manifest that cannot be used; says which file (or URL) and what is wrong with it.</summary>
public sealed class InvalidManifestException(string source, string reason, Exception? inner = null)
    : ModelStoreException($"the manifest {source} cannot be read: {reason}. Pull or create the model again, or delete it.", inner)
{
    /// <summary>The file or URL the manifest came from.</summary>
    public string ManifestSource { get; } = source;
}

/// <summary>A store operation failed; the message names the model, file or digest involved and what to do.</summary>
public class ModelStoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The model a name refers to is not in any store root.</summary>
public sealed class ModelNotFoundException(string name, string where)
    : ModelStoreException($"model '{name}' not found in {where}; pull it first (takase pull {name}).")
{
    /// <summary>The name that was looked up.</summary>
    public string Name { get; } = name;
}
