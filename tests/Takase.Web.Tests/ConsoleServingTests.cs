using System.Net;
using Takase.Server.Web;
using Takase.Web.Tests.Support;

namespace Takase.Web.Tests;

/// <summary>How the console's files are served: paths, content types, caching, the security headers, and that they load without a key.</summary>
public sealed class ConsoleServingTests(SecuredServer fixture) : IClassFixture<SecuredServer>
{
    private readonly ConsoleServer _server = fixture.Server;

    [Fact]
    public async Task The_bare_path_redirects_to_the_folder_so_relative_module_paths_resolve()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _server.BaseAddress };
        using var response = await http.GetAsync("/console?x=1", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        Assert.Equal("/console/?x=1", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("/console/", "text/html; charset=utf-8", "<title>Takase operator console</title>")]
    [InlineData("/console/index.html", "text/html; charset=utf-8", "<script type=\"module\" src=\"app.js\">")]
    [InlineData("/console/app.js", "text/javascript; charset=utf-8", "import { OperatorApi } from './api.js';")]
    [InlineData("/console/highlight.js", "text/javascript; charset=utf-8", "export function contributionRanges")]
    [InlineData("/console/console.css", "text/css; charset=utf-8", "mark.pushes-up")]
    public async Task Files_are_served_without_a_key_with_their_content_type_and_the_security_headers(string path, string contentType, string excerpt)
    {
        // The server requires keys; the page itself is code, and its API calls carry the key.
        using var response = await _server.SendAsync(HttpMethod.Get, path);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.ToString());
        Assert.Contains(excerpt, body);
        Assert.Equal(WebConsole.ContentSecurityPolicy, Header(response, "Content-Security-Policy"));
        Assert.Contains("script-src 'self'", WebConsole.ContentSecurityPolicy);
        Assert.DoesNotContain("unsafe-inline", WebConsole.ContentSecurityPolicy);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        Assert.NotNull(response.Headers.ETag);
    }

    [Fact]
    public async Task An_unchanged_file_is_answered_304_with_its_etag()
    {
        using var first = await _server.SendAsync(HttpMethod.Get, "/console/app.js");
        var etag = first.Headers.ETag!;
        var request = new HttpRequestMessage(HttpMethod.Get, "/console/app.js");
        request.Headers.IfNoneMatch.Add(etag);
        using var second = await _server.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Equal(etag, second.Headers.ETag);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));

        var stale = new HttpRequestMessage(HttpMethod.Get, "/console/app.js");
        stale.Headers.IfNoneMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"0000000000000000\""));
        using var third = await _server.Http.SendAsync(stale, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
    }

    [Fact]
    public async Task Head_answers_the_headers_of_get_without_a_body()
    {
        using var get = await _server.SendAsync(HttpMethod.Get, "/console/console.css");
        using var head = await _server.SendAsync(HttpMethod.Head, "/console/console.css");
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentLength, head.Content.Headers.ContentLength);
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("/console/nothing.js")]
    [InlineData("/console/../console/app.js.map")]
    [InlineData("/console/console/app.js")]
    public async Task Unknown_files_are_404_naming_the_file(string path)
    {
        using var response = await _server.SendAsync(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("the console has no file", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(WebConsole.ContentSecurityPolicy, Header(response, "Content-Security-Policy"));
    }

    [Theory]
    [InlineData("/console/%2e%2e/Takase.Server.dll")]
    [InlineData("/console/..%2fTakase.Server.dll")]
    public async Task A_path_climbing_out_of_the_console_serves_nothing(string path)
    {
        using var response = await _server.SendAsync(HttpMethod.Get, path);
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("This program cannot", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Only_get_and_head_are_allowed()
    {
        using var response = await _server.SendAsync(HttpMethod.Post, "/console/app.js", body: new { });
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("GET, HEAD", string.Join(", ", response.Content.Headers.Allow));
    }

    [Fact]
    public async Task The_operator_api_behind_the_page_still_needs_a_key()
    {
        using var response = await _server.SendAsync(HttpMethod.Get, "/api/operator/tickets");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public void Every_embedded_asset_has_a_content_type_and_the_console_has_its_entry_points()
    {
        var paths = WebAssets.Embedded.Paths.ToHashSet();
        foreach (var expected in new[] { "console/index.html", "console/app.js", "console/api.js", "console/queue.js", "console/ticket.js",
                     "console/highlight.js", "console/explanation.js", "console/format.js", "console/console.css" })
            Assert.Contains(expected, paths);
        Assert.All(paths, p => Assert.False(string.IsNullOrEmpty(WebAssets.Embedded.Find(p)!.ContentType)));
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
