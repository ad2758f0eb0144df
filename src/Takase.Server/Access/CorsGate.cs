using Microsoft.AspNetCore.Http;

namespace Takase.Server.Access;

/// <summary>
/// Cross-origin access for browsers, limited to <see cref="CorsOptions.Origins"/>: a preflight from a listed origin is
/// answered 204 with the methods and headers it asked for; from any other origin it is refused (403), and answers to
/// it carry no CORS headers, so the browser keeps them from the page. Runs before the access gate, since preflights
/// carry no key.
/// </summary>
public sealed class CorsGate(IReadOnlyList<string> origins)
{
    private const string AllowedHeaders = "authorization, content-type, x-api-key";
    private readonly bool _any = origins.Contains("*");
    private readonly HashSet<string> _origins = new(origins.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether a page from <paramref name="origin"/> may call the server.</summary>
    public bool Allows(string origin) => _any || _origins.Contains(origin);

    /// <summary>Answers preflights and marks allowed cross-origin answers.</summary>
    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var origin = http.Request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            await next(http);
            return;
        }
        var allowed = Allows(origin);
        var preflight = HttpMethods.IsOptions(http.Request.Method) && http.Request.Headers.AccessControlRequestMethod.Count > 0;
        if (preflight)
        {
            http.Response.Headers.Vary = "Origin";
            if (!allowed)
            {
                await AccessErrors.WriteAsync(http, StatusCodes.Status403Forbidden,
                    $"origin '{origin}' may not call this server; list it in Takase:Cors:Origins to allow it", "origin_not_allowed");
                return;
            }
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            http.Response.Headers.AccessControlAllowOrigin = origin;
            http.Response.Headers.AccessControlAllowMethods = "GET, HEAD, POST, PUT, DELETE";
            var asked = http.Request.Headers.AccessControlRequestHeaders.ToString();
            http.Response.Headers.AccessControlAllowHeaders = asked.Length > 0 ? asked : AllowedHeaders;
            http.Response.Headers.AccessControlMaxAge = "600";
            return;
        }
        if (allowed)
        {
            http.Response.Headers.AccessControlAllowOrigin = origin;
            http.Response.Headers.AccessControlExposeHeaders = Routing.RouterApi.RouteHeader;
            http.Response.Headers.Vary = "Origin";
        }
        await next(http);
    }
}
