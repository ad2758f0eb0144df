using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Takase.Engine.Gguf;
using Takase.Server.Hosting;
using Takase.Server.Models;

namespace Takase.Server.Ollama;

/// <summary>The model-management routes: tags, show, ps, copy, delete, blobs, and the registry routes to come.</summary>
public static class ModelEndpoints
{
    /// <summary>GET/HEAD /api/tags: the models in the folder.</summary>
    public static Task TagsAsync(HttpContext http)
    {
        var catalog = http.RequestServices.GetRequiredService<ModelCatalog>();
        var models = new List<ListModel>();
        foreach (var m in catalog.List())
        {
            ModelFacts facts;
            try { facts = ModelFacts.For(m); }
            catch (GgufFormatException) { continue; } // an unreadable file is not a model; /api/show says why
            models.Add(new ListModel { Name = m.Name, Model = m.Name, ModifiedAt = m.ModifiedAt, Size = m.Size, Digest = catalog.Digest(m), Details = facts.Details });
        }
        return OllamaJson.WriteAsync(http.Response, new ListResponse(models));
    }

    /// <summary>POST /api/show: details, template, metadata and capabilities of one model.</summary>
    public static async Task ShowAsync(HttpContext http)
    {
        var request = await OllamaJson.ReadAsync<ModelRequest>(http.Request);
        var model = OllamaCalls.RequireModel(request.ModelName);
        var entry = http.RequestServices.GetRequiredService<ModelCatalog>().Find(model) ?? throw new ModelNotFoundException(model);
        var facts = ModelFacts.For(entry);
        IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonNode?> info;
        using (var file = GgufFile.Open(entry.Path)) info = ModelFacts.ModelInfo(file, request.Verbose);
        var parameters = string.Join("\n", facts.StopTokens.Select(s => $"{"stop",-30} {JsonSerializer.Serialize(s, OllamaJson.Options)}"));
        await OllamaJson.WriteAsync(http.Response, new ShowResponse
        {
            License = facts.License,
            Modelfile = Modelfile(entry, facts),
            Parameters = parameters.Length > 0 ? parameters : null,
            Template = facts.ChatTemplate,
            Details = facts.Details,
            ModelInfo = info,
            Capabilities = facts.Capabilities,
            ModifiedAt = entry.ModifiedAt,
        });
    }

    /// <summary>GET /api/ps: the loaded models, longest-lived first, with what their schedulers are doing.</summary>
    public static Task PsAsync(HttpContext http)
    {
        var catalog = http.RequestServices.GetRequiredService<ModelCatalog>();
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
        var catalog = http.RequestServices.GetRequiredService<ModelCatalog>();
        var entry = catalog.Find(source) ?? throw new ModelNotFoundException(source);
        var baseName = ModelFolder.BaseNameFor(destination, "destination");
        ModelFolder.Copy(catalog.Directory, entry, baseName);
        http.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>DELETE /api/delete: the model's file leaves the folder (a loaded model is unloaded first).</summary>
    public static async Task DeleteAsync(HttpContext http)
    {
        var request = await OllamaJson.ReadAsync<ModelRequest>(http.Request);
        var model = OllamaCalls.RequireModel(request.ModelName);
        var catalog = http.RequestServices.GetRequiredService<ModelCatalog>();
        var entry = catalog.Find(model) ?? throw new ModelNotFoundException(model);
        http.RequestServices.GetRequiredService<ModelManager>().Unload(entry.Name);
        if (!ModelFolder.Delete(catalog.Directory, entry)) throw new ModelNotFoundException(model);
        http.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>POST /api/pull, /api/push, /api/create: answered until the model library exists.</summary>
    public static Task NotYetAsync(HttpContext http, string what)
    {
        var directory = http.RequestServices.GetRequiredService<ModelCatalog>().Directory;
        return ApiErrors.WriteAsync(http, StatusCodes.Status501NotImplemented,
            $"{what} needs the model library, which arrives in a later Takase release; until then Takase serves the GGUF files in {directory}: put a .gguf file there to add a model");
    }

    /// <summary>HEAD /api/blobs/{digest}: 200 when the blob is stored, 404 when not.</summary>
    public static IResult HeadBlob(HttpContext http, string digest)
    {
        var path = BlobPath(http, digest);
        return File.Exists(path) ? Results.Ok() : Results.NotFound();
    }

    /// <summary>
    /// POST /api/blobs/{digest}: stores the body as &lt;models&gt;/blobs/sha256-&lt;hex&gt; once its sha256 matches the
    /// digest (201); a stored blob answers 200 without reading the body. Model files are large, so the server's body
    /// limit does not apply here.
    /// </summary>
    public static async Task PostBlobAsync(HttpContext http, string digest)
    {
        var path = BlobPath(http, digest);
        if (File.Exists(path))
        {
            http.Response.StatusCode = StatusCodes.Status200OK;
            return;
        }
        var limit = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (limit is { IsReadOnly: false }) limit.MaxRequestBodySize = null;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + $".{Guid.NewGuid():N}.partial";
        try
        {
            string actual;
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
                {
                    sha.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), http.RequestAborted);
                }
                actual = "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
            }
            var expected = "sha256:" + Path.GetFileName(path)["sha256-".Length..];
            if (actual != expected) throw new ArgumentException($"digest mismatch, expected \"{expected}\", got \"{actual}\"");
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        http.Response.StatusCode = StatusCodes.Status201Created;
    }

    /// <summary>GET /api/version.</summary>
    public static Task VersionAsync(HttpContext http) => OllamaJson.WriteAsync(http.Response, new VersionResponse(OllamaApi.Version));

    // "sha256:<64 hex>" (Ollama's form) or "sha256-<64 hex>" (its file name) → the path in the blobs folder.
    private static string BlobPath(HttpContext http, string digest)
    {
        var hex = digest.Length == 71 && (digest.StartsWith("sha256:", StringComparison.Ordinal) || digest.StartsWith("sha256-", StringComparison.Ordinal))
            ? digest[7..] : null;
        if (hex is null || !hex.All(char.IsAsciiHexDigit))
            throw new ArgumentException($"invalid digest \"{digest}\"; expected sha256:<64 hex digits>");
        var directory = http.RequestServices.GetRequiredService<ModelCatalog>().Directory;
        return Path.Combine(directory, "blobs", "sha256-" + hex.ToLowerInvariant());
    }

    private static DateTime Later(DateTime now, TimeSpan keepAlive) =>
        keepAlive >= DateTime.MaxValue - now ? DateTime.MaxValue : now + keepAlive;

    private static string Modelfile(ModelEntry entry, ModelFacts facts)
    {
        var text = new StringBuilder();
        text.Append("# Modelfile generated by \"takase show\"\n")
            .Append("# To build a new Modelfile based on this, replace FROM with:\n")
            .Append(CultureInfo.InvariantCulture, $"# FROM {entry.Name}\n\n")
            .Append(CultureInfo.InvariantCulture, $"FROM {entry.Path}\n");
        if (facts.ChatTemplate is { } template) text.Append(CultureInfo.InvariantCulture, $"TEMPLATE \"\"\"{template}\"\"\"\n");
        foreach (var stop in facts.StopTokens) text.Append(CultureInfo.InvariantCulture, $"PARAMETER stop {JsonSerializer.Serialize(stop, OllamaJson.Options)}\n");
        if (facts.License is { } license) text.Append(CultureInfo.InvariantCulture, $"LICENSE \"\"\"{license}\"\"\"\n");
        return text.ToString();
    }
}
