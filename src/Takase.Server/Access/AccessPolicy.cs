using Microsoft.AspNetCore.Http;
using Takase.Server.Persistence;

namespace Takase.Server.Access;

/// <summary>
/// The least role each route needs. Clients call the inference APIs and give feedback; operators also read feedback,
/// routing decisions and metrics and work tickets; admins also change the router, keys and models. A route not
/// listed needs admin (fail closed: a new route is opened on purpose, here).
/// </summary>
public static class AccessPolicy
{
    private static readonly string[] ClientPaths =
    [
        "/api/generate", "/api/chat", "/api/embed", "/api/embeddings", "/api/tokenize", "/api/detokenize",
        "/api/show", "/api/tags", "/api/ps", "/api/queue", "/v1",
    ];

    private static readonly string[] OperatorPaths = ["/api/routes", "/api/tickets", "/api/operator", "/metrics"];

    /// <summary>The least role for the request, or null when it is open to anyone (the health probes /api/version and /api/ready).</summary>
    public static ApiKeyRole? RequiredRole(string method, PathString path)
    {
        var reading = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        // The console's page files are code only (no data) and a browser cannot send a key for a page load: open, like
        // a login page; every /api/operator call the page makes needs the key.
        if (reading && (path.Value is "/" or "" || path.StartsWithSegments("/api/version") || path.StartsWithSegments("/api/ready") || path.StartsWithSegments("/console"))) return null;
        if (path.StartsWithSegments("/api/feedback")) return HttpMethods.IsPost(method) ? ApiKeyRole.Client : ApiKeyRole.Operator;
        // A routed answer names its decision; its client may ask why (GET /api/routes/{id}), the list is for operators.
        if (reading && path.StartsWithSegments("/api/routes", out var rest) && rest.HasValue && rest.Value!.Length > 1) return ApiKeyRole.Client;
        // A client that asked not to wait polls its ticket by id (ids are unguessable); the queue is for operators.
        if (reading && path.StartsWithSegments("/api/tickets", out var ticket) && ticket.HasValue && ticket.Value!.Length > 1) return ApiKeyRole.Client;
        // Evaluation results are published numbers: any key reads them, storing one needs admin.
        if (path.StartsWithSegments("/api/evaluations") || path.StartsWithSegments("/api/router/evaluations")) return reading ? ApiKeyRole.Client : ApiKeyRole.Admin;
        if (path.StartsWithSegments("/api/router")) return reading ? ApiKeyRole.Operator : ApiKeyRole.Admin;
        if (ClientPaths.Any(p => path.StartsWithSegments(p))) return ApiKeyRole.Client;
        if (OperatorPaths.Any(p => path.StartsWithSegments(p))) return ApiKeyRole.Operator;
        return ApiKeyRole.Admin; // /api/admin, pull, push, create, copy, delete, blobs, and anything new
    }

    /// <summary>The audit action and subject of a changing request, by route ("router.target.put", name).</summary>
    public static (string Action, string? Subject) AuditActionOf(string method, PathString path)
    {
        var segments = (path.Value ?? "").Trim('/').Split('/');
        return segments switch
        {
            ["api", "router", "targets", var name] => ("router.target.put", name),
            ["api", "router", "profiles", var name] => ("router.profile.put", name),
            ["api", "create"] => ("model.create", null),
            ["api", "delete"] => ("model.delete", null),
            ["api", "copy"] => ("model.copy", null),
            ["api", "pull"] => ("model.pull", null),
            ["api", "push"] => ("model.push", null),
            ["api", "blobs", var digest] => ("blob.upload", digest),
            _ => ($"http.{method.ToLowerInvariant()}", path.Value),
        };
    }

    /// <summary>Routes whose model name is in the JSON body, which the audit entry names.</summary>
    internal static bool NamesModelInBody(PathString path) =>
        path.Value is "/api/create" or "/api/delete" or "/api/copy" or "/api/pull" or "/api/push";
}
