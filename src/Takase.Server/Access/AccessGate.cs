using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Takase.Server.Hosting;
using Takase.Server.Persistence;

namespace Takase.Server.Access;

/// <summary>
/// The middleware in front of every route: finds the caller from <c>Authorization: Bearer &lt;key&gt;</c> (or
/// <c>x-api-key</c>), refuses what its role may not do, and writes the audit entry of each successful operator or
/// admin change. With authentication off (a loopback server by default) everyone is <see cref="Caller.Local"/>, and a
/// presented key only names who acted.
/// </summary>
/// <remarks>Key checks go through <see cref="ApiKeyCache"/> when one is given (the server always gives one).</remarks>
public sealed class AccessGate(IApiKeyStore keys, IAuditLog audit, bool required, string? adminKey, ILogger<AccessGate> logger, ApiKeyCache? cache = null)
{
    private readonly byte[]? _adminKeyHash = adminKey is { Length: > 0 } k ? SHA256.HashData(Encoding.UTF8.GetBytes(k.Trim())) : null;

    /// <summary>Whether every non-open route needs a key.</summary>
    public bool Required => required;

    /// <summary>Identifies, authorizes and audits one request.</summary>
    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        var needs = AccessPolicy.RequiredRole(request.Method, request.Path);
        if (needs is null)
        {
            await next(http);
            return;
        }
        var secret = PresentedKey(request);
        var caller = await IdentifyAsync(http, secret);
        if (caller is null) return; // refused, answered
        if (caller.Role < needs)
        {
            await AccessErrors.WriteAsync(http, StatusCodes.Status403Forbidden,
                $"the API key '{caller.Name}' has the role {Name(caller.Role)}; {request.Method} {request.Path} needs {Name(needs.Value)} or higher", "insufficient_role");
            return;
        }
        http.SetCaller(caller);

        var changes = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method));
        if (!changes || needs < ApiKeyRole.Operator)
        {
            await next(http);
            return;
        }
        if (AccessPolicy.NamesModelInBody(request.Path)) request.EnableBuffering();
        await next(http);
        if (http.Response.StatusCode < 400 && !http.IsAudited()) await AuditAsync(http, caller);
    }

    /// <summary>The caller, or null after answering 401/403.</summary>
    private async Task<Caller?> IdentifyAsync(HttpContext http, string? secret)
    {
        if (secret is null)
        {
            if (!required) return Caller.Local;
            await AccessErrors.WriteAsync(http, StatusCodes.Status401Unauthorized,
                "this server requires an API key: send 'Authorization: Bearer tk_…' (an admin creates keys with POST /api/admin/keys)", "missing_api_key");
            return null;
        }
        if (_adminKeyHash is not null && CryptographicOperations.FixedTimeEquals(_adminKeyHash, SHA256.HashData(Encoding.UTF8.GetBytes(secret))))
            return Caller.ConfiguredAdmin;

        ApiKeyCheck check;
        ApiKey? key;
        try
        {
            (check, key) = cache is null
                ? await keys.CheckApiKeyAsync(secret, http.RequestAborted)
                : await cache.CheckAsync(secret, keys, http.RequestAborted);
        }
        catch (StoreUnavailableException e) when (!required)
        {
            // An open server keeps serving; the key would only have named the caller.
            logger.LogWarning("could not check a presented API key, serving the request unauthenticated: {Reason}", e.Message);
            return Caller.Local;
        }
        switch (check)
        {
            case ApiKeyCheck.Valid:
                return Caller.Of(key!);
            case ApiKeyCheck.Revoked when required:
                await AccessErrors.WriteAsync(http, StatusCodes.Status403Forbidden,
                    $"the API key '{key!.Name}' ({key.Prefix}…) was revoked at {key.RevokedAt:u}; ask an admin for a new one", "revoked_api_key");
                return null;
            case ApiKeyCheck.Unknown when required:
                await AccessErrors.WriteAsync(http, StatusCodes.Status401Unauthorized,
                    "the API key is not valid: no key of this server has this secret", "invalid_api_key");
                return null;
            default:
                // Open server: clients that always send some key (OpenAI SDKs need one) keep working.
                return Caller.Local;
        }
    }

    private async Task AuditAsync(HttpContext http, Caller caller)
    {
        var (action, subject) = AccessPolicy.AuditActionOf(http.Request.Method, http.Request.Path);
        if (AccessPolicy.NamesModelInBody(http.Request.Path)) subject = await ModelNamedInBodyAsync(http.Request);
        var details = JsonSerializer.Serialize(new { by = caller.Name, status = http.Response.StatusCode });
        try
        {
            await audit.AppendAuditAsync(AuditEntry.New(caller.Id, action, subject, details), CancellationToken.None);
        }
        catch (StoreUnavailableException e)
        {
            // The change is done and answered; losing its record is logged loudly rather than failing the request.
            logger.LogError("audit entry {Action} {Subject} by {Actor} was not stored: {Reason}", action, subject, caller.Id, e.Message);
        }
    }

    /// <summary>"model" (or "name", or copy's "source -> destination") of the buffered JSON body: the model an admin change touched.</summary>
    private static async Task<string?> ModelNamedInBodyAsync(HttpRequest request)
    {
        try
        {
            request.Body.Position = 0;
            using var json = await JsonDocument.ParseAsync(request.Body);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            string? Text(string field) => root.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            if (Text("source") is { } source) return $"{source} -> {Text("destination")}"; // /api/copy
            return Text("model") ?? Text("name");
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>The key of "Authorization: Bearer …", else of "x-api-key", else null.</summary>
    public static string? PresentedKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization[7..].Trim() is { Length: > 0 } bearer)
            return bearer;
        return request.Headers["x-api-key"].ToString().Trim() is { Length: > 0 } apiKey ? apiKey : null;
    }

    internal static string Name(ApiKeyRole role) => role.ToString().ToLowerInvariant();
}

/// <summary>401 and 403 in the shape of the API asked: Ollama's <c>{"error": "…"}</c>, OpenAI's error object.</summary>
public static class AccessErrors
{
    /// <summary>Writes the refusal; a 401 also carries <c>WWW-Authenticate: Bearer</c>.</summary>
    public static Task WriteAsync(HttpContext http, int status, string message, string code)
    {
        http.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized) http.Response.Headers.WWWAuthenticate = "Bearer";
        object body = ApiErrors.IsOpenAi(http.Request)
            ? new { error = new { message, type = status == StatusCodes.Status401Unauthorized ? "authentication_error" : "permission_error", param = (string?)null, code } }
            : new { error = message };
        return http.Response.WriteAsJsonAsync(body);
    }
}
