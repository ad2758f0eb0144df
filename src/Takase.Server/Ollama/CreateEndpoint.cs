using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Takase.Library.Create;
using Takase.Library.Modelfiles;
using Takase.Library.Store;
using Takase.Server.Models;

namespace Takase.Server.Ollama;

/// <summary>
/// POST /api/create: a library model from a Modelfile (Takase accepts the Modelfile text, as Ollama's older API did,
/// or Ollama's structured fields from/system/template/parameters/license/messages), streaming progress objects.
/// </summary>
public static class CreateEndpoint
{
    /// <summary>The request body.</summary>
    public sealed record CreateRequest
    {
        /// <summary>Name of the new model.</summary>
        [JsonPropertyName("model")] public string? Model { get; init; }
        /// <summary>Older spelling of model.</summary>
        [JsonPropertyName("name")] public string? Name { get; init; }
        /// <summary>A whole Modelfile.</summary>
        [JsonPropertyName("modelfile")] public string? Modelfile { get; init; }
        /// <summary>Folder that relative FROM/ADAPTER paths are taken from (the Modelfile's folder).</summary>
        [JsonPropertyName("path")] public string? Path { get; init; }
        /// <summary>Structured form: the base model or file.</summary>
        [JsonPropertyName("from")] public string? From { get; init; }
        /// <summary>Structured form: SYSTEM.</summary>
        [JsonPropertyName("system")] public string? System { get; init; }
        /// <summary>Structured form: TEMPLATE.</summary>
        [JsonPropertyName("template")] public string? Template { get; init; }
        /// <summary>Structured form: PARAMETERs as an object (stop may be an array).</summary>
        [JsonPropertyName("parameters")] public JsonObject? Parameters { get; init; }
        /// <summary>Structured form: LICENSE (string or array).</summary>
        [JsonPropertyName("license")] public JsonNode? License { get; init; }
        /// <summary>Structured form: MESSAGEs.</summary>
        [JsonPropertyName("messages")] public IReadOnlyList<ModelfileMessage>? Messages { get; init; }
        /// <summary>Quantize the weights to this file type (e.g. "q4_K_M", "q8_0"); they must be F16, BF16 or F32.</summary>
        [JsonPropertyName("quantize")] public string? Quantize { get; init; }
        /// <summary>Stream progress (default).</summary>
        [JsonPropertyName("stream")] public bool? Stream { get; init; }
    }

    /// <summary>Handles the request.</summary>
    public static async Task CreateAsync(HttpContext http)
    {
        var request = await OllamaJson.ReadAsync<CreateRequest>(http.Request);
        var name = OllamaCalls.RequireModel(string.IsNullOrEmpty(request.Model) ? request.Name : request.Model);
        if (!ModelName.TryParse(name, out _)) throw new ArgumentException($"invalid model name '{name}'");
        var modelfile = request.Modelfile is { } text ? ModelfileParser.Parse(text) : FromFields(request);
        // An unknown type is a 400 before any work starts, not an error line after it.
        if (!string.IsNullOrWhiteSpace(request.Quantize)) Takase.Engine.Conversion.QuantizationType.Parse(request.Quantize);
        var store = http.RequestServices.GetRequiredService<ModelStore>();
        var catalog = http.RequestServices.GetRequiredService<ModelCatalog>();
        var directory = request.Path ?? catalog.Directory;
        // FROM may name a loose GGUF file the server offers by name ("FROM stories260K", as `/save` in a chat writes it):
        // that is its file, unless the Modelfile's folder has a file of that very name.
        if (!File.Exists(Path.Combine(directory, modelfile.From)) && catalog.Find(modelfile.From) is { Stored: null } loose)
            modelfile = modelfile with { From = loose.Path };
        await TransferEndpoints.StreamProgressAsync(http, request.Stream,
            (progress, cancel) => ModelCreator.CreateAsync(store, name, modelfile, directory, request.Quantize, progress, cancel));
    }

    private static Modelfile FromFields(CreateRequest r)
    {
        if (string.IsNullOrEmpty(r.From)) throw new ArgumentException("give either a modelfile or a from field");
        var parameters = new List<ModelfileParameter>();
        foreach (var (key, value) in r.Parameters ?? [])
        {
            if (value is JsonArray array) parameters.AddRange(array.Select(v => new ModelfileParameter(key, v?.ToString() ?? "")));
            else parameters.Add(new ModelfileParameter(key, value?.ToString() ?? ""));
        }
        var licenses = r.License switch
        {
            null => [],
            JsonArray a => a.Select(x => x?.ToString() ?? "").ToList(),
            var single => new List<string> { single.ToString() },
        };
        // Round-trip through the parser so the structured form gets the same checks as a Modelfile.
        return ModelfileParser.Parse(ModelfileWriter.Write(new Modelfile
        {
            From = r.From,
            System = r.System,
            Template = r.Template,
            Parameters = parameters,
            Licenses = licenses,
            Messages = r.Messages ?? [],
        }));
    }
}
