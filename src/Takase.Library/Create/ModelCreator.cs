using System.Text.Json;
using System.Text.Json.Nodes;
using Takase.Engine.Conversion;
using Takase.Engine.Tensors;
using Takase.Library.Modelfiles;
using Takase.Library.Registry;
using Takase.Library.Store;

namespace Takase.Library.Create;

/// <summary>
/// Builds a library model from a Modelfile, as `ollama create` does: FROM gives the weights (a library model whose
/// layers are reused, a GGUF file, or a folder of safetensors converted with the engine's writer), and TEMPLATE,
/// SYSTEM, PARAMETER, LICENSE, MESSAGE and ADAPTER become layers. The manifest is written last, so a failure never
/// leaves a half-made model under the name.
/// </summary>
public static class ModelCreator
{
    /// <summary>Creates <paramref name="name"/> from <paramref name="modelfile"/>; relative paths are taken from
    /// <paramref name="directory"/> (the Modelfile's folder).</summary>
    /// <exception cref="ModelNotFoundException">FROM names a library model that is not in the store.</exception>
    /// <exception cref="FileNotFoundException">FROM or ADAPTER names a file that does not exist.</exception>
    public static async Task<StoredModel> CreateAsync(ModelStore store, string name, Modelfile modelfile, string directory,
        IProgress<PullProgress>? progress = null, CancellationToken cancel = default)
    {
        var target = ModelName.Parse(name);
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
                break;
            case ModelfileSourceKind.GgufFile:
                layers.Add(await ImportFileAsync(store, source.Value, MediaTypes.Model, progress, cancel));
                break;
            case ModelfileSourceKind.GgufDirectory:
                var first = Directory.GetFiles(source.Value, "*.gguf").Order(StringComparer.Ordinal).First();
                layers.Add(await ImportFileAsync(store, first, MediaTypes.Model, progress, cancel));
                break;
            case ModelfileSourceKind.SafetensorsDirectory:
                progress?.Report(new PullProgress("converting model"));
                var temp = Path.Combine(store.Root, $".convert-{Guid.NewGuid():N}.gguf");
                Directory.CreateDirectory(store.Root);
                try
                {
                    HfCheckpointConverter.Convert(source.Value, temp, GgmlType.F16);
                    layers.Add(await ImportFileAsync(store, temp, MediaTypes.Model, progress, cancel));
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

        progress?.Report(new PullProgress("writing manifest"));
        var modelLayer = layers.FirstOrDefault(l => l.MediaType == MediaTypes.Model)
            ?? throw new ModelStoreException($"FROM {modelfile.From} gave no model weights");
        var config = ModelStore.DescribeGguf(store.BlobPath(modelLayer.Digest));
        await store.WriteModelAsync(target, layers, config, cancel);
        progress?.Report(new PullProgress("success"));
        return store.Resolve(target);
    }

    private static async Task<Layer> ImportFileAsync(ModelStore store, string path, string mediaType, IProgress<PullProgress>? progress, CancellationToken cancel)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' does not exist", path);
        progress?.Report(new PullProgress("copying file", Total: new FileInfo(path).Length));
        await using var stream = File.OpenRead(path);
        var digest = await store.WriteBlobAsync(stream, null, cancel);
        return new Layer(mediaType, digest, new FileInfo(path).Length);
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
