using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Takase.Server.Models;

namespace Takase.Server.Ollama;

/// <summary>The Ollama API routes (docs/api.md of ollama/ollama).</summary>
public static class OllamaApi
{
    /// <summary>The version reported by /api/version.</summary>
    public const string Version = "0.12.0";

    /// <summary>Maps every /api route.</summary>
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/version", () => Results.Json(new { version = Version }));
        app.MapGet("/api/tags", (ModelCatalog catalog) => Results.Json(new
        {
            models = catalog.List().Select(m => new
            {
                name = m.Name,
                model = m.Name,
                modified_at = m.ModifiedAt,
                size = m.Size,
                digest = catalog.Digest(m),
                details = new { format = "gguf" },
            }),
        }));
    }
}
