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
    public static IResult List(ModelCatalog catalog) =>
        Results.Json(new ListModelsResponse { Data = [.. catalog.List().Select(OpenAiModel.From)] }, OpenAiJson.Options);

    public static async Task RetrieveAsync(HttpContext context, string id, ModelCatalog catalog)
    {
        var entry = catalog.Require(id);
        await context.Response.WriteAsJsonAsync(OpenAiModel.From(entry), OpenAiJson.Options, context.RequestAborted);
    }
}
