using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Takase.Engine.Gguf;
using Takase.Library.Create;
using Takase.Library.Modelfiles;
using Takase.Server.Hosting;
using Takase.Server.Models;

namespace Takase.Server.Ollama;

/// <summary>The model-management routes: tags, show, ps, copy, delete, blobs, and the registry routes to come.</summary>
public static class ModelEndpoints
{
    /// <summary>GET/HEAD /api/tags: the models in the folder.</summary>
    public static Task TagsAsync(HttpContext http)
    {
        var catalog = Catalog(http);
        var models = new List<ListModel>();
        foreach (var m in catalog.List())
        {
            ModelFacts facts;
            try { facts = ModelFacts.For(m); }
            catch (GgufFormatException) { continue; } // an unreadable file is not a model; /api/show says why
            models.Add(new ListModel { Name = m.Name, Model = m.Name, ModifiedAt = m.ModifiedAt, Size = m.Size, Digest = catalog.Digest(m), Details = facts.Details });
        }
        models.AddRange(Routing.RouterApi.ProfilesAsModels(http.RequestServices));
        return OllamaJson.WriteAsync(http.Response, new ListResponse(models));
    }

    /// <summary>POST /api/show: details, template, metadata and capabilities of one model.</summary>
    public static async Task ShowAsync(HttpContext http)
    {
        var request = await OllamaJson.ReadAsync<ModelRequest>(http.Request);
        var model = OllamaCalls.RequireModel(request.ModelName);
        var catalog = Catalog(http);
        var entry = catalog.Require(model);
        var facts = ModelFacts.For(entry);
        IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonNode?> info;
        using (var file = GgufFile.Open(entry.Path)) info = ModelFacts.ModelInfo(file, request.Verbose);
        // A library model answers from its own layers: the Modelfile it was made from, its template and parameters.
        var stored = entry.Stored;
        await OllamaJson.WriteAsync(http.Response, new ShowResponse
        {
            License = stored is { Licenses.Count: > 0 } ? string.Join("\n", stored.Licenses) : facts.License,
            Modelfile = stored is null ? facts.Modelfile(entry) : ModelfileWriter.Write(StoredModelfile.For(stored), entry.Name),
            Parameters = stored?.Parameters is { } p
                ? StoredModelfile.ShowText(p)
                : facts.Parameters,
            Template = stored?.Template ?? facts.ChatTemplate,
            System = stored?.System,
            Details = facts.Details,
            ModelInfo = info,
            Capabilities = facts.Capabilities,
            ModifiedAt = entry.ModifiedAt,
        });
    }

    /// <summary>GET /api/ps: the loaded models, longest-lived first, with what their schedulers are doing.</summary>
    public static Task PsAsync(HttpContext http)
    {
        var catalog = Catalog(http);
        var slots = http.RequestServices.GetRequiredService<TakaseServerOptions>().ParallelSlots;
        var now = DateTime.UtcNow;
        var models = http.RequestServices.GetRequiredService<ModelManager>().Loaded.Select(m => new ProcessModel
        {
            Name = m.Entry.Name,
            Model = m.Entry.Name,
            Size = m.SizeBytes,
            Digest = catalog.Digest(m.Entry),
            Details = ModelFacts.For(m.Entry).Details,
            // In use, a model expires keep_alive after its last request ends; Ollama shows that moment from now.
            ExpiresAt = m.ActiveLeases > 0 ? Later(now, m.KeepAlive) : m.ExpiresAt == DateTimeOffset.MaxValue ? DateTime.MaxValue : m.ExpiresAt.UtcDateTime,
            ContextLength = m.Scheduler.DefaultContextLength,
            Queue = new QueueState { Running = m.Scheduler.Running, Queued = m.Scheduler.QueueDepth, Slots = slots },
        }).OrderByDescending(m => m.ExpiresAt).ToList();
        return OllamaJson.WriteAsync(http.Response, new ProcessResponse(models));
    }

    /// <summary>POST /api/copy: the source model's file under the destination name.</summary>
    public static async Task CopyAsync(HttpContext http)
    {
        var request = await OllamaJson.ReadAsync<CopyRequest>(http.Request);
        var source = string.IsNullOrWhiteSpace(request.Source) ? throw new ArgumentException("source is required") : request.Source;
        var destination = string.IsNullOrWhiteSpace(request.Destination) ? throw new ArgumentException("destination is required") : request.Destination;
        var catalog = Catalog(http);
        var entry = catalog.Require(source);
        if (entry.Stored is not null && catalog.Store is { } store)
            await store.CopyAsync(entry.Stored.Name.ToString(), destination, http.RequestAborted); // a second manifest name, same blobs
        else
            ModelFolder.Copy(catalog.Directory, entry, ModelFolder.BaseNameFor(destination, "destination"));
        http.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>DELETE /api/delete: a library model's manifest is removed and its unshared blobs pruned; a loose file leaves
    /// the folder (a loaded model is unloaded first).</summary>
    public static async Task DeleteAsync(HttpContext http)
    {
        var request = await OllamaJson.ReadAsync<ModelRequest>(http.Request);
        var model = OllamaCalls.RequireModel(request.ModelName);
        var catalog = Catalog(http);
        var entry = catalog.Require(model);
        http.RequestServices.GetRequiredService<ModelManager>().Unload(entry.Name);
        if (entry.Stored is not null && catalog.Store is { } store) store.Delete(model); // the manifest, then unreferenced blobs
        else if (!ModelFolder.Delete(catalog.Directory, entry)) throw new ModelNotFoundException(model);
        http.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>HEAD /api/blobs/{digest}: 200 when the blob is stored, 404 when not.</summary>
    public static IResult HeadBlob(HttpContext http, string digest) =>
        File.Exists(ModelFolder.BlobPath(Catalog(http).Directory, digest)) ? Results.Ok() : Results.NotFound();

    /// <summary>
    /// POST /api/blobs/{digest}: stores the body once its sha256 matches the digest (201); a blob already stored
    /// answers 200 without reading the body. Model files are large, so the server's body limit does not apply here.
    /// </summary>
    public static async Task PostBlobAsync(HttpContext http, string digest)
    {
        var path = ModelFolder.BlobPath(Catalog(http).Directory, digest);
        if (File.Exists(path))
        {
            http.Response.StatusCode = StatusCodes.Status200OK;
            return;
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;
        await ModelFolder.StoreBlobAsync(path, http.Request.Body, http.RequestAborted);
        http.Response.StatusCode = StatusCodes.Status201Created;
    }

    /// <summary>GET /api/version.</summary>
    public static Task VersionAsync(HttpContext http) => OllamaJson.WriteAsync(http.Response, new VersionResponse(OllamaApi.Version));

    private static ModelCatalog Catalog(HttpContext http) => http.RequestServices.GetRequiredService<ModelCatalog>();

    private static DateTime Later(DateTime now, TimeSpan keepAlive) =>
        keepAlive >= DateTime.MaxValue - now ? DateTime.MaxValue : now + keepAlive;
}
