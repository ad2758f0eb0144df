using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Takase.Server.Models;

namespace Takase.Server.OpenAI;

/// <summary>The OpenAI-compatible routes under /v1.</summary>
public static class OpenAiApi
{
    /// <summary>Maps every /v1 route.</summary>
    public static void Map(WebApplication app)
    {
        app.MapGet("/v1/models", (ModelCatalog catalog) => Results.Json(new
        {
            @object = "list",
            data = catalog.List().Select(m => new { id = m.Name, @object = "model", created = m.ModifiedAt.ToUnixTimeSeconds(), owned_by = "library" }),
        }));
    }
}
