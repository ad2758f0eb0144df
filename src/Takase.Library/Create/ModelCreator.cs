using System.Text.Json;
using System.Text.Json.Nodes;
using Takase.Engine.Conversion;
using Takase.Engine.Gguf;
using Takase.Engine.Tensors;
using Takase.Library.Modelfiles;
using Takase.Library.Registry;
using Takase.Library.Store;

namespace Takase.Library.Create;

/// <summary>
/// Builds a library model from a Modelfile, as `ollama create` does: FROM gives the weights (a library model whose
/// layers are reused, a GGUF file, or a folder of safetensors converted with the engine's writer), and TEMPLATE,
/// SYSTEM, PARAMETER, LICENSE, MESSAGE and ADAPTER become layers. With a quantization type (Ollama's <c>quantize</c>,
/// e.g. "q4_K_M") the weights are quantized on the way in, as <c>ollama create --quantize</c> does; only F16, BF16 and
/// F32 weights are accepted. The manifest is written last, so a failure never leaves a half-made model under the name.
/// </summary>
public static class ModelCreator
{
    /// <summary>Creates <paramref name="name"/> from <paramref name="modelfile"/>; relative paths are taken from
    /// <paramref name="directory"/> (the Modelfile's folder); <paramref name="quantize"/>, when given, is the file type
    /// the model weights are quantized to (llama-quantize's names, any case).</summary>
    /// <exception cref="ModelNotFoundException">FROM names a library model that is not in the store.</exception>
    /// <exception cref="FileNotFoundException">FROM or ADAPTER names a file that does not exist.</exception>
    /// <exception cref="ArgumentException"><paramref name="quantize"/> is not a known type name.</exception>
    /// <exception cref="NotSupportedException">quantizing weights that are already quantized.</exception>
    public static async Task<StoredModel> CreateAsync(ModelStore store, string name, Modelfile modelfile, string directory,
        string? quantize = null, IProgress<PullProgress>? progress = null, CancellationToken cancel = default)
    {
        var target = ModelName.Parse(name);
        using var writing = store.BeginWrite(); // blobs land before the manifest: keep prunes off them
        var quantization = string.IsNullOrWhiteSpace(quantize) ? null : QuantizationType.Parse(quantize);
        // A TEMPLATE that does not parse is refused now, not at the first request that uses it.
        if (modelfile.Template is { } template0) GoTemplates.OllamaPromptTemplate.Parse(template0);
        var source = ModelfileSource.Resolve(modelfile.From, directory);
        var layers = new List<Layer>();
        StoredModel? baseModel = null;
        progress?.Report(new PullProgress("parsing modelfile"));
        switch (source.Kind)
        {
            case ModelfileSourceKind.LibraryModel:
                baseModel = store.Resolve(source.Value);
                progress?.Report(new PullProgress($"using existing layers of {baseModel.Name.DisplayShortest()}"));
                layers.AddRange(baseModel.Manifest.Layers.Where(l => l.MediaType is MediaTypes.Model or MediaTypes.Adapter or MediaTypes.Projector));
                if (quantization is not null)
                {
                    var weights = layers.FindIndex(l => l.MediaType == MediaTypes.Model);
                    if (weights < 0) throw new ModelStoreException($"{baseModel.Name.DisplayShortest()} has no model weights to quantize");
                    layers[weights] = await QuantizeAsync(store, store.BlobPath(layers[weights].Digest), quantization, progress, cancel);
                }
                break;
            case ModelfileSourceKind.GgufFile:
                layers.Add(await ImportModelAsync(store, source.Value, quantization, progress, cancel));
                break;
            case ModelfileSourceKind.GgufDirectory:
                var first = Directory.GetFiles(source.Value, "*.gguf").Order(StringComparer.Ordinal).First();
                layers.Add(await ImportModelAsync(store, first, quantization, progress, cancel));
                break;
            case ModelfileSourceKind.SafetensorsDirectory:
                progress?.Report(new PullProgress("converting model"));
                var temp = Path.Combine(store.Root, $".convert-{Guid.NewGuid():N}.gguf");
                Directory.CreateDirectory(store.Root);
                try
                {
                    HfCheckpointConverter.Convert(source.Value, temp, GgmlType.F16);
                    layers.Add(await ImportModelAsync(store, temp, quantization, progress, cancel));
                }
                finally
                {
                    File.Delete(temp);
                }
                break;
        }
        foreach (var adapter in modelfile.Adapters)
            layers.Add(await ImportFileAsync(store, ModelfileSource.Resolve(adapter, directory).Value, MediaTypes.Adapter, progress, cancel));

        var template = modelfile.Template ?? baseModel?.Template;
        if (template is not null) layers.Add(await store.WriteTextLayerAsync(MediaTypes.Template, template, cancel));
        var system = modelfile.System ?? baseModel?.System;
        if (system is not null) layers.Add(await store.WriteTextLayerAsync(MediaTypes.System, system, cancel));
        var parameters = MergeParameters(baseModel?.Parameters, modelfile.Parameters);
        if (parameters is not null) layers.Add(await store.WriteTextLayerAsync(MediaTypes.Params, parameters, cancel));
        foreach (var license in modelfile.Licenses.Count > 0 ? modelfile.Licenses : baseModel?.Licenses ?? [])
            layers.Add(await store.WriteTextLayerAsync(MediaTypes.License, license, cancel));
        var messages = modelfile.Messages.Count > 0
            ? modelfile.Messages.Select(m => new { role = m.Role, content = m.Content })
            : baseModel?.Messages?.Select(m => new { role = m.Role, content = m.Content });
        if (messages is not null) layers.Add(await store.WriteTextLayerAsync(MediaTypes.Messages, JsonSerializer.Serialize(messages), cancel));

        var modelLayer = layers.FirstOrDefault(l => l.MediaType == MediaTypes.Model)
            ?? throw new ModelStoreException($"FROM {modelfile.From} gave no model weights");
        CheckAdapters(store, modelLayer, layers, progress);
        progress?.Report(new PullProgress("writing manifest"));
        var config = ModelStore.DescribeGguf(store.BlobPath(modelLayer.Digest));
        await store.WriteModelAsync(target, layers, config, cancel);
        progress?.Report(new PullProgress("success"));
        return store.Resolve(target);
    }

    /// <summary>
    /// ADAPTERs are bound to the weights now, as at load (architecture, tensor names, shapes), so a LoRA made for another
    /// model is refused at create with the engine's message instead of failing every later request.
    /// </summary>
    private static void CheckAdapters(ModelStore store, Layer model, IReadOnlyList<Layer> layers, IProgress<PullProgress>? progress)
    {
        var adapters = layers.Where(l => l.MediaType == MediaTypes.Adapter)
            .Select(l => new Takase.Engine.Models.AdapterSpec(store.FindBlob(l.Digest) ?? store.BlobPath(l.Digest))).ToList();
        if (adapters.Count == 0) return;
        progress?.Report(new PullProgress("checking adapters"));
        using var bound = Takase.Engine.Models.TransformerModel.Load(store.FindBlob(model.Digest) ?? store.BlobPath(model.Digest), adapters);
    }

    /// <summary>The weights as a layer: copied as they are, or quantized into a new blob (the unquantized file is
    /// never stored).</summary>
    private static Task<Layer> ImportModelAsync(ModelStore store, string path, QuantizationType? quantization,
        IProgress<PullProgress>? progress, CancellationToken cancel) =>
        quantization is null ? ImportFileAsync(store, path, MediaTypes.Model, progress, cancel) : QuantizeAsync(store, path, quantization, progress, cancel);

    /// <summary>Quantizes the GGUF at <paramref name="path"/> into the store, reporting Ollama's
    /// "quantizing F16 model to Q4_K_M" with the bytes of weights done so far.</summary>
    private static async Task<Layer> QuantizeAsync(ModelStore store, string path, QuantizationType quantization,
        IProgress<PullProgress>? progress, CancellationToken cancel)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' does not exist", path);
        var (from, total) = DescribeWeights(path);
        var status = $"quantizing {from} model to {quantization.Name}";
        progress?.Report(new PullProgress(status, Total: total));
        Directory.CreateDirectory(store.Root);
        var temp = Path.Combine(store.Root, $".quantize-{Guid.NewGuid():N}.gguf");
        try
        {
            long done = 0;
            await Task.Run(() => ModelQuantizer.Quantize(path, temp, quantization, t =>
                progress?.Report(new PullProgress(status, Total: total, Completed: done += t.BytesBefore)), cancel), cancel);
            return await ImportFileAsync(store, temp, MediaTypes.Model, progress, cancel);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The float type of a model's weight matrices (named as Ollama prints it) and the bytes of all its
    /// tensors; refuses weights that are already quantized, as Ollama does.</summary>
    private static (string Type, long Bytes) DescribeWeights(string path)
    {
        using var file = GgufFile.Open(path);
        var matrices = file.Tensors.Where(t => QuantizationRecipe.AllowsQuantization(t.Name, t.Shape.Length)).ToList();
        var quantized = matrices.Where(t => t.Type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16))
            .Select(t => TensorTypes.Get(t.Type).Name).Distinct().ToList();
        if (quantized.Count > 0)
            throw new NotSupportedException(
                $"quantization is only supported for F16, BF16 and F32 models; this model's weights are already {string.Join(", ", quantized)} (FROM an unquantized model, or leave out --quantize)");
        var main = matrices.GroupBy(t => t.Type).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault(GgmlType.F32);
        return (main.ToString(), file.Tensors.Sum(t => t.ByteSize));
    }

    private static async Task<Layer> ImportFileAsync(ModelStore store, string path, string mediaType, IProgress<PullProgress>? progress, CancellationToken cancel)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' does not exist", path);
        // The opened stream's length is the file's, also through a symbolic link (whose own FileInfo length is that of
        // the target's name, which would make the layer size — and so the manifest digest — depend on where it points).
        await using var stream = File.OpenRead(path);
        var size = stream.Length;
        progress?.Report(new PullProgress("copying file", Total: size));
        var digest = await store.WriteBlobAsync(stream, null, cancel);
        return new Layer(mediaType, digest, size);
    }

    /// <summary>The Modelfile's parameters over the base model's (a parameter named again replaces the base's).</summary>
    private static string? MergeParameters(JsonObject? baseParameters, IReadOnlyList<ModelfileParameter> own)
    {
        if (own.Count == 0) return baseParameters?.ToJsonString();
        var merged = JsonNode.Parse(ModelfileParameters.ToJson(own))!.AsObject();
        if (baseParameters is not null)
            foreach (var (key, value) in baseParameters)
                if (!merged.ContainsKey(key)) merged[key] = value?.DeepClone();
        return merged.ToJsonString();
    }
}
