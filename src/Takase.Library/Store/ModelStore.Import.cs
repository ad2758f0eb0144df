using System.Text;
using System.Text.Json;
using Takase.Engine.Gguf;

namespace Takase.Library.Store;

public sealed partial class ModelStore
{
    /// <summary>
    /// Imports a local GGUF file as a model: the file becomes the model layer (copied and verified, the original is
    /// left alone), <paramref name="extraLayers"/> (template, system, params… already written with
    /// <see cref="WriteTextLayerAsync"/>) follow it, and a config blob describing the weights is written.
    /// This is the Modelfile <c>FROM ./file.gguf</c> path.
    /// </summary>
    /// <exception cref="ModelStoreException">The file is missing or not a GGUF file.</exception>
    public async Task<StoredModel> ImportGgufAsync(string ggufPath, string name, IEnumerable<Layer>? extraLayers = null, CancellationToken cancellationToken = default)
    {
        var target = ModelName.Parse(name);
        if (!File.Exists(ggufPath)) throw new ModelStoreException($"cannot import '{ggufPath}': the file does not exist.");
        var config = DescribeGguf(ggufPath);
        using var writing = BeginWrite();
        string digest;
        await using (var stream = new FileStream(ggufPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan))
            digest = await WriteBlobAsync(stream, null, cancellationToken).ConfigureAwait(false);
        var modelLayer = new Layer(MediaTypes.Model, digest, new FileInfo(BlobPath(digest)).Length);
        await WriteModelAsync(target, [modelLayer, .. extraLayers ?? []], config, cancellationToken).ConfigureAwait(false);
        return Resolve(target);
    }

    /// <summary>Stores a small text layer (template, system prompt, params JSON, license, messages JSON) and returns it.</summary>
    public async Task<Layer> WriteTextLayerAsync(string mediaType, string content, CancellationToken cancellationToken = default)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        using var stream = new MemoryStream(bytes, writable: false);
        var digest = await WriteBlobAsync(stream, null, cancellationToken).ConfigureAwait(false);
        return new Layer(mediaType, digest, bytes.Length);
    }

    /// <summary>
    /// Writes the config blob for <paramref name="layers"/> (filling its <c>rootfs</c>) and the manifest that names
    /// them; every layer's blob must already be stored. Returns the manifest digest.
    /// </summary>
    public async Task<string> WriteModelAsync(ModelName name, IReadOnlyList<Layer> layers, ModelConfig? config = null, CancellationToken cancellationToken = default)
    {
        config = (config ?? new ModelConfig()) with { RootFs = new RootFs("layers", layers.Select(l => l.Digest).ToList()) };
        var configBytes = JsonSerializer.SerializeToUtf8Bytes(config);
        using var stream = new MemoryStream(configBytes, writable: false);
        var configDigest = await WriteBlobAsync(stream, null, cancellationToken).ConfigureAwait(false);
        var manifest = Manifest.Create(new Layer(MediaTypes.Config, configDigest, configBytes.Length), layers);
        return await WriteManifestAsync(name, manifest, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The config fields a GGUF's metadata gives (family, quantization); fails clearly when the file is not GGUF.</summary>
    internal static ModelConfig DescribeGguf(string path)
    {
        try
        {
            using var gguf = GgufFile.Open(path);
            var family = gguf.Architecture ?? "";
            return new ModelConfig
            {
                ModelFamily = family,
                ModelFamilies = family.Length > 0 ? [family] : null,
                FileType = gguf.GetInteger("general.file_type") is { } ft ? FileTypeName(ft) : "",
            };
        }
        catch (Exception e) when (e is GgufFormatException or IOException or InvalidDataException or EndOfStreamException or ArgumentException)
        {
            throw new ModelStoreException($"'{path}' is not a usable GGUF file: {e.Message}", e);
        }
    }

    /// <summary>llama.cpp's <c>llama_ftype</c> names for the common values (what Ollama shows as quantization).</summary>
    private static string FileTypeName(long fileType) => fileType switch
    {
        0 => "F32",
        1 => "F16",
        2 => "Q4_0",
        3 => "Q4_1",
        7 => "Q8_0",
        8 => "Q5_0",
        9 => "Q5_1",
        10 => "Q2_K",
        11 => "Q3_K_S",
        12 => "Q3_K_M",
        13 => "Q3_K_L",
        14 => "Q4_K_S",
        15 => "Q4_K_M",
        16 => "Q5_K_S",
        17 => "Q5_K_M",
        18 => "Q6_K",
        32 => "BF16",
        _ => "",
    };
}
