using System.Text.Json.Serialization;

namespace Takase.Library.Store;

/// <summary>
/// The config blob of a model, with the property names of Ollama's <c>ConfigV2</c>: what kind of weights the
/// model holds (read by <c>/api/show</c> and <c>ollama list</c>) plus the Docker image fields a registry expects.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Always <c>gguf</c> for models Takase writes.</summary>
    [JsonPropertyName("model_format")] public string ModelFormat { get; init; } = "gguf";

    /// <summary>The architecture family (GGUF <c>general.architecture</c>, e.g. <c>llama</c>).</summary>
    [JsonPropertyName("model_family")] public string ModelFamily { get; init; } = "";

    /// <summary>All families (model plus projector), or null.</summary>
    [JsonPropertyName("model_families")] public IReadOnlyList<string>? ModelFamilies { get; init; }

    /// <summary>Parameter count as text (e.g. <c>8.0B</c>), empty when unknown.</summary>
    [JsonPropertyName("model_type")] public string ModelType { get; init; } = "";

    /// <summary>Quantization name (e.g. <c>Q4_K_M</c>), empty when unknown.</summary>
    [JsonPropertyName("file_type")] public string FileType { get; init; } = "";

    /// <summary>Image-config field Docker registries require.</summary>
    [JsonPropertyName("architecture")] public string Architecture { get; init; } = "amd64";

    /// <summary>Image-config field Docker registries require.</summary>
    [JsonPropertyName("os")] public string OS { get; init; } = "linux";

    /// <summary>The layer digests, as a Docker image config lists them.</summary>
    [JsonPropertyName("rootfs")] public RootFs RootFs { get; init; } = new("layers", []);
}

/// <summary>The Docker image config's <c>rootfs</c>: the layer digests in order.</summary>
public sealed record RootFs(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("diff_ids")] IReadOnlyList<string> DiffIds);
