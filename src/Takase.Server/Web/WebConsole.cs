using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Takase.Server.Web;

/// <summary>
/// Serves the operator console (Web/Assets/console) at /console/. The files are the page's code, not data: they are
/// served to anyone, ahead of the access gate, because a browser cannot attach the operator's key to a page load.
/// Everything the page shows comes from /api/operator/…, which the gate guards like every API route.
/// </summary>
public static class WebConsole
{
    /// <summary>Where the console lives.</summary>
    public const string BasePath = "/console";

    /// <summary>
    /// The Content-Security-Policy of every console response: scripts, styles and API calls from this server only, no
    /// inline code, no plugins, no framing. Text from tickets is inserted as text, and this policy is the second wall.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>Adds the console to the pipeline; call it before the access gate (see the class remarks).</summary>
    public static WebApplication UseTakaseConsole(this WebApplication app) => app.UseTakaseConsole(WebAssets.Embedded);

    /// <summary>Adds the console served from <paramref name="assets"/>.</summary>
    public static WebApplication UseTakaseConsole(this WebApplication app, WebAssets assets)
    {
        app.Use((http, next) =>
        {
            var request = http.Request;
            if (!request.Path.StartsWithSegments(BasePath, out var rest)) return next(http);
            if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
            {
                http.Response.Headers.Allow = "GET, HEAD";
                return Plain(http, StatusCodes.Status405MethodNotAllowed, $"{request.Method} is not allowed on the console's pages; they are read with GET");
            }
            if (!rest.HasValue)
            {
                // Relative module and style paths need the trailing slash.
                http.Response.Headers.Location = BasePath + "/" + request.QueryString;
                http.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
                return Task.CompletedTask;
            }
            var path = rest.Value == "/" ? "index.html" : rest.Value![1..];
            return assets.Find("console/" + path) is { } asset
                ? ServeAsync(http, asset)
                : Plain(http, StatusCodes.Status404NotFound, $"the console has no file '{path}'; open {BasePath}/");
        });
        return app;
    }

    private static Task ServeAsync(HttpContext http, WebAsset asset)
    {
        var response = http.Response;
        SecurityHeaders(response);
        response.Headers.ETag = asset.ETag;
        // The names carry no version, so the browser asks again each time; an unchanged file costs a 304.
        response.Headers.CacheControl = "no-cache";
        if (http.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == asset.ETag || t.Trim() == "*")))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        return HttpMethods.IsHead(http.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(asset.Content, http.RequestAborted).AsTask();
    }

    private static Task Plain(HttpContext http, int status, string message)
    {
        SecurityHeaders(http.Response);
        http.Response.Headers.CacheControl = "no-store";
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        return HttpMethods.IsHead(http.Request.Method) ? Task.CompletedTask : http.Response.WriteAsync(message + "\n", http.RequestAborted);
    }

    private static void SecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
