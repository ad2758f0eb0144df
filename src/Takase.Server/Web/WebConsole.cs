using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Takase.Server.Web;

/// <summary>
/// Serves the web pages embedded from Web/Assets: the operator console at /console/, the playground at /playground/
/// and the routing dashboard at /dashboard/, each the folder of the same name. The files are the pages' code, not
/// data: they are served to anyone, ahead of the access gate, because a browser cannot attach a key to a page load.
/// Everything a page shows comes from /api/…, which the gate guards like every API route.
/// </summary>
public static class WebConsole
{
    /// <summary>Where the console lives.</summary>
    public const string BasePath = "/console";

    /// <summary>Where the playground lives (N models side by side on one prompt).</summary>
    public const string PlaygroundPath = "/playground";

    /// <summary>Where the routing dashboard lives (decisions, traffic and cost per target, evaluations).</summary>
    public const string DashboardPath = "/dashboard";

    /// <summary>Every page's base path with the asset folder it is served from and its name in error messages.</summary>
    public static IReadOnlyList<(string BasePath, string Folder, string Name)> Pages { get; } =
    [
        (BasePath, "console", "the console"),
        (PlaygroundPath, "playground", "the playground"),
        (DashboardPath, "dashboard", "the dashboard"),
        ("/shared", "shared", "the pages' shared files"),
    ];

    /// <summary>
    /// The Content-Security-Policy of every console response: scripts, styles and API calls from this server only, no
    /// inline code, no plugins, no framing. Text from tickets is inserted as text, and this policy is the second wall.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>Adds the pages (<see cref="Pages"/>) to the pipeline; call it before the access gate (see the class remarks).</summary>
    public static WebApplication UseTakaseConsole(this WebApplication app) => app.UseTakaseConsole(WebAssets.Embedded);

    /// <summary>Adds the pages served from <paramref name="assets"/>.</summary>
    public static WebApplication UseTakaseConsole(this WebApplication app, WebAssets assets)
    {
        app.Use((http, next) =>
        {
            var request = http.Request;
            foreach (var (basePath, folder, name) in Pages)
                if (request.Path.StartsWithSegments(basePath, out var rest))
                    return ServePage(http, assets, basePath, folder, name, rest);
            return next(http);
        });
        return app;
    }

    private static Task ServePage(HttpContext http, WebAssets assets, string basePath, string folder, string name, PathString rest)
    {
        var request = http.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            http.Response.Headers.Allow = "GET, HEAD";
            return Plain(http, StatusCodes.Status405MethodNotAllowed, $"{request.Method} is not allowed on {name}'s pages; they are read with GET");
        }
        if (!rest.HasValue)
        {
            // Relative module and style paths need the trailing slash.
            http.Response.Headers.Location = basePath + "/" + request.QueryString;
            http.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
            return Task.CompletedTask;
        }
        var path = rest.Value == "/" ? "index.html" : rest.Value![1..];
        return assets.Find(folder + "/" + path) is { } asset
            ? ServeAsync(http, asset)
            : Plain(http, StatusCodes.Status404NotFound, $"{name} has no file '{path}'; open {basePath}/");
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
