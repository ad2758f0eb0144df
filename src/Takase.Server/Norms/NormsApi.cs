using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Takase.Routing.Norms;
using Takase.Server.Access;
using Takase.Server.Ollama;
using Takase.Server.Persistence;

namespace Takase.Server.Norms;

/// <summary>The body of PUT /api/admin/norms/assignments/{kind}/{subject}: the norms profile, or null to remove the assignment.</summary>
public sealed record NormsAssignmentRequest([property: JsonPropertyName("norms")] string? Norms);

/// <summary>
/// The admin API of norms profiles: GET /api/admin/norms (every version and assignment), GET /api/admin/norms/{name}
/// (its versions, the active one marked), PUT /api/admin/norms/{name} (the body is the profile; stored as the next
/// version, which becomes active), PUT /api/admin/norms/assignments/{key|profile}/{subject} ({"norms": "strict"} or
/// null). Admins only (the access gate); every change is audited and stored, and wins over the configuration.
/// </summary>
public static class NormsApi
{
    /// <summary>Maps the routes (only when the norms are registered).</summary>
    public static void Map(WebApplication app)
    {
        if (app.Services.GetService<NormsGate>() is null) return;
        app.MapGet("/api/admin/norms", (HttpContext http, NormsGate gate) => OllamaJson.WriteAsync(http.Response, new
        {
            profiles = gate.Catalog.Versions(),
            assignments = gate.Catalog.Assignments().Select(a => new { kind = a.Kind, subject = a.Subject, norms = a.Norms }).ToList(),
        }));
        app.MapGet("/api/admin/norms/{name}", async (HttpContext http, string name, NormsGate gate) =>
        {
            var versions = gate.Catalog.Versions(name);
            if (versions.Count == 0)
            {
                await OllamaJson.WriteAsync(http.Response, new { error = $"norms profile '{name}' not found; GET /api/admin/norms lists them" }, StatusCodes.Status404NotFound);
                return;
            }
            await OllamaJson.WriteAsync(http.Response, new { name = versions[0].Name, active_version = versions[^1].Version, versions });
        });
        app.MapPut("/api/admin/norms/assignments/{kind}/{subject}", AssignAsync);
        app.MapPut("/api/admin/norms/{name}", PutAsync);
    }

    private static async Task PutAsync(HttpContext http, string name, NormsGate gate, IAuditLog audit)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync(http.RequestAborted);
        // Checked before it is stored: a profile that does not compile, or names a missing target, is a 400.
        gate.Catalog.Validate(name, body);
        var definition = JsonSerializer.Serialize(JsonSerializer.Deserialize<NormsProfileDefinition>(body, NormsCatalog.DefinitionJson), NormsCatalog.DefinitionJson);
        var stored = await http.RequestServices.GetRequiredService<INormsStore>().AddNormsVersionAsync(name, definition, http.Caller().Id, http.RequestAborted);
        var profile = gate.Catalog.Add(stored);
        await AdminApi.AuditAsync(http, audit, "norms.put", $"norms:{profile.Name}", new { version = profile.Version });
        await OllamaJson.WriteAsync(http.Response, new { name = profile.Name, version = profile.Version, active = true });
    }

    private static async Task AssignAsync(HttpContext http, string kind, string subject, NormsGate gate, IAuditLog audit)
    {
        if (kind is not ("key" or "profile"))
            throw new ArgumentException($"kind: norms are assigned to a 'key' (an API key's id or name) or a 'profile' (a router profile), not '{kind}'");
        var request = await OllamaJson.ReadAsync<NormsAssignmentRequest>(http.Request);
        var assignment = new NormsAssignment(kind, subject, request.Norms?.Trim() ?? "", DateTimeOffset.UtcNow);
        gate.Catalog.Assign(assignment); // a missing profile is a 400 before anything is stored
        await http.RequestServices.GetRequiredService<INormsStore>().SetNormsAssignmentAsync(assignment, http.RequestAborted);
        await AdminApi.AuditAsync(http, audit, "norms.assign", $"{kind}:{subject}", new { norms = assignment.Norms.Length > 0 ? assignment.Norms : null });
        await OllamaJson.WriteAsync(http.Response, new { kind, subject, norms = assignment.Norms.Length > 0 ? assignment.Norms : null });
    }
}
