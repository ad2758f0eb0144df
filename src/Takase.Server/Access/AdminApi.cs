using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Takase.Server.Ollama;
using Takase.Server.Persistence;

namespace Takase.Server.Access;

/// <summary>The body of POST /api/admin/keys.</summary>
/// <param name="Name">A label for the key ("ci", "alice's laptop").</param>
/// <param name="Role">"client", "operator" or "admin".</param>
public sealed record CreateKeyRequest(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("role")] string? Role);

/// <summary>A key as listed: never its secret.</summary>
public sealed record ApiKeyView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("prefix")] string Prefix,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("revoked_at")] DateTimeOffset? RevokedAt)
{
    /// <summary>The view of a stored key.</summary>
    public static ApiKeyView Of(ApiKey k) => new(k.Id, k.Name, AccessGate.Name(k.Role), k.Prefix, k.CreatedAt, k.RevokedAt);
}

/// <summary>A key just created: the one answer that carries its secret.</summary>
public sealed record CreatedKeyView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("prefix")] string Prefix,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("key")] string Key);

/// <summary>One audit entry as listed.</summary>
public sealed record AuditEntryView(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("actor")] string Actor,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("subject")] string? Subject,
    [property: JsonPropertyName("details")] string? Details);

/// <summary>
/// The admin API of access control: API keys (POST /api/admin/keys answers the secret once; GET lists without
/// secrets; DELETE /api/admin/keys/{id} revokes) and the audit log (GET /api/admin/audit?limit=&amp;actor=&amp;subject=).
/// The <see cref="AccessGate"/> lets only admins in; each change is audited here, naming the key.
/// </summary>
public static class AdminApi
{
    /// <summary>Most audit entries one GET returns.</summary>
    public const int MaxAuditEntries = 1000;

    /// <summary>Maps the routes.</summary>
    public static void Map(WebApplication app)
    {
        app.MapPost("/api/admin/keys", CreateKeyAsync);
        app.MapGet("/api/admin/keys", async (HttpContext http, IApiKeyStore keys) =>
            await OllamaJson.WriteAsync(http.Response, new { keys = (await keys.ListApiKeysAsync(http.RequestAborted)).Select(ApiKeyView.Of).ToList() }));
        app.MapDelete("/api/admin/keys/{id}", RevokeKeyAsync);
        app.MapGet("/api/admin/audit", ListAuditAsync);
    }

    private static async Task CreateKeyAsync(HttpContext http, IApiKeyStore keys, IAuditLog audit)
    {
        var request = await OllamaJson.ReadAsync<CreateKeyRequest>(http.Request);
        if (string.IsNullOrWhiteSpace(request.Name)) throw new ArgumentException("name: a key needs a name, e.g. {\"name\": \"ci\", \"role\": \"client\"}");
        var role = request.Role?.Trim().ToLowerInvariant() switch
        {
            "client" => ApiKeyRole.Client,
            "operator" => ApiKeyRole.Operator,
            "admin" => ApiKeyRole.Admin,
            _ => throw new ArgumentException($"role: must be \"client\", \"operator\" or \"admin\", not '{request.Role}'"),
        };
        var created = await keys.CreateApiKeyAsync(request.Name, role, http.RequestAborted);
        var k = created.Key;
        await AuditAsync(http, audit, "apikey.create", k.Id, new { name = k.Name, role = AccessGate.Name(k.Role), prefix = k.Prefix });
        await OllamaJson.WriteAsync(http.Response, new CreatedKeyView(k.Id, k.Name, AccessGate.Name(k.Role), k.Prefix, k.CreatedAt, created.Secret),
            StatusCodes.Status201Created);
    }

    private static async Task RevokeKeyAsync(HttpContext http, string id, IApiKeyStore keys, IAuditLog audit, ApiKeyCache cache)
    {
        var key = await keys.RevokeApiKeyAsync(id, http.RequestAborted);
        cache.Forget(key.Id); // refused on this node from the next request, not after the cache's TTL
        await AuditAsync(http, audit, "apikey.revoke", key.Id, new { name = key.Name, role = AccessGate.Name(key.Role) });
        await OllamaJson.WriteAsync(http.Response, ApiKeyView.Of(key));
    }

    private static async Task ListAuditAsync(HttpContext http, IAuditLog audit)
    {
        var limit = Limit(http.Request, 200, MaxAuditEntries);
        var query = http.Request.Query;
        var actor = query["actor"].ToString() is { Length: > 0 } a ? a : null;
        var subject = query["subject"].ToString() is { Length: > 0 } s ? s : null;
        var entries = await audit.ListAuditAsync(limit, actor, subject, http.RequestAborted);
        await OllamaJson.WriteAsync(http.Response, new
        {
            entries = entries.Select(e => new AuditEntryView(e.Id, e.At, e.Actor, e.Action, e.Subject, e.Details)).ToList(),
        });
    }

    /// <summary>Appends an audit entry for this request's caller and marks the request audited.</summary>
    public static async Task AuditAsync(HttpContext http, IAuditLog audit, string action, string? subject, object details)
    {
        var caller = http.Caller();
        // Actor holds the key id for queries; "by" names the caller for people.
        var json = JsonSerializer.SerializeToNode(details, OllamaJson.Options) as JsonObject ?? [];
        json["by"] = caller.Name;
        http.MarkAudited();
        try
        {
            await audit.AppendAuditAsync(AuditEntry.New(caller.Id, action, subject, json.ToJsonString(OllamaJson.Options)), CancellationToken.None);
        }
        catch (StoreUnavailableException e)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Takase.Audit")
                .LogError("audit entry {Action} {Subject} by {Actor} was not stored: {Reason}", action, subject, caller.Id, e.Message);
        }
    }

    /// <summary>The "limit" query parameter, checked: a whole number from 1 to <paramref name="max"/>.</summary>
    /// <exception cref="ArgumentException">it is not (400, naming the parameter).</exception>
    public static int Limit(HttpRequest request, int fallback, int max)
    {
        if (request.Query["limit"] is not { Count: > 0 } given) return fallback;
        return int.TryParse(given, out var limit) && limit >= 1 && limit <= max ? limit
            : throw new ArgumentException($"limit: must be a whole number from 1 to {max}, not '{given}'");
    }
}
