using System.Net;

namespace Takase.Server.Tests.Access;

/// <summary>Browsers may call the server only from the origins of Takase:Cors:Origins.</summary>
public sealed class CorsTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<HttpResponseMessage> PreflightAsync(AccessServer server, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/chat");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type");
        return await server.Http.SendAsync(request, Cancel);
    }

    [Fact]
    public async Task A_preflight_is_answered_for_listed_origins_only_even_when_keys_are_required()
    {
        await using var server = await AccessServer.StartSecuredAsync(o => o.Cors.Origins = ["https://app.example"]);

        using var allowed = await PreflightAsync(server, "https://app.example");
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal("https://app.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", allowed.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Contains("authorization", allowed.Headers.GetValues("Access-Control-Allow-Headers").Single());

        using var denied = await PreflightAsync(server, "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.False(denied.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Contains("Takase:Cors:Origins", await denied.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task Answers_to_a_listed_origin_carry_the_allow_header_and_others_do_not()
    {
        await using var server = await AccessServer.StartAsync(o => o.Cors.Origins = ["https://app.example"]);
        using var fromApp = new HttpRequestMessage(HttpMethod.Get, "/api/version");
        fromApp.Headers.Add("Origin", "https://app.example");
        using var answered = await server.Http.SendAsync(fromApp, Cancel);
        Assert.Equal("https://app.example", answered.Headers.GetValues("Access-Control-Allow-Origin").Single());

        using var fromElsewhere = new HttpRequestMessage(HttpMethod.Get, "/api/version");
        fromElsewhere.Headers.Add("Origin", "https://evil.example");
        using var plain = await server.Http.SendAsync(fromElsewhere, Cancel);
        Assert.False(plain.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Without_configured_origins_no_preflight_is_allowed()
    {
        await using var server = await AccessServer.StartAsync();
        using var denied = await PreflightAsync(server, "http://localhost:3000");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }
}
