using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Takase.Server.Models;

namespace Takase.Server.OpenAI;

/// <summary>A model as GET /v1/models lists it.</summary>
public sealed record OpenAiModel
{
    /// <summary>The full model name, e.g. "stories260K:latest".</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("object")] public string Object { get; } = "model";
    /// <summary>When the model file last changed, in Unix seconds.</summary>
    [JsonPropertyName("created")] public required long Created { get; init; }
    /// <summary>"library", as Ollama reports local models.</summary>
    [JsonPropertyName("owned_by")] public string OwnedBy { get; init; } = "library";

    internal static OpenAiModel From(ModelEntry m) => new() { Id = m.Name, Created = m.ModifiedAt.ToUnixTimeSeconds() };
}

/// <summary>GET /v1/models: {"object": "list", "data": [...]}.</summary>
public sealed record ListModelsResponse
{
    [JsonPropertyName("object")] public string Object { get; } = "list";
    [JsonPropertyName("data")] public required IReadOnlyList<OpenAiModel> Data { get; init; }
}

/// <summary>GET /v1/models and GET /v1/models/{id}.</summary>
internal static class ModelsEndpoint
{
    public static IResult List(ModelCatalog catalog, IServiceProvider services) =>
        Results.Json(new ListModelsResponse
        {
            // Router profiles are models too: a client picks "auto" like any other.
            Data = [.. catalog.List().Select(OpenAiModel.From), .. Routing.RouterApi.ProfilesAsModels(services).Select(p => new OpenAiModel
            {
                Id = p.Name,
                Created = p.ModifiedAt.ToUnixTimeSeconds(),
                OwnedBy = "router",
            })],
        }, OpenAiJson.Options);

    public static async Task RetrieveAsync(HttpContext context, string id, ModelCatalog catalog)
    {
        if (Routing.RouterApi.ProfilesAsModels(context.RequestServices).FirstOrDefault(p => string.Equals(p.Name, id, StringComparison.OrdinalIgnoreCase)) is { } profile)
        {
            var model = new OpenAiModel { Id = profile.Name, Created = profile.ModifiedAt.ToUnixTimeSeconds(), OwnedBy = "router" };
            await context.Response.WriteAsJsonAsync(model, OpenAiJson.Options, context.RequestAborted);
            return;
        }
        var entry = catalog.Require(id);
        await context.Response.WriteAsJsonAsync(OpenAiModel.From(entry), OpenAiJson.Options, context.RequestAborted);
    }
}
