using System.Net;
using System.Text.Json;
using Takase.Server.Access;
using Takase.Server.Hosting;

namespace Takase.Server.Tests.Access;

/// <summary>API keys with roles, against a real server over HTTP: who gets in, who is refused, and how.</summary>
public sealed class AccessControlTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("auto", "127.0.0.1:11434", false)]
    [InlineData("auto", "localhost:8080", false)]
    [InlineData("auto", "[::1]:11434", false)]
    [InlineData("auto", "0.0.0.0", true)]
    [InlineData("auto", "192.168.1.20:11434", true)]
    [InlineData("true", "127.0.0.1", true)]
    [InlineData("false", "0.0.0.0", false)]
    public void Keys_are_required_beyond_loopback_unless_configured(string required, string host, bool expected) =>
        Assert.Equal(expected, new AuthOptions { Required = required }.IsRequired(HostAddress.Parse(host)));

    [Theory]
    [InlineData("--Takase:Auth:Required=sometimes", "Takase:Auth:Required 'sometimes'")]
    [InlineData("--Takase:Auth:AdminKey=short", "Takase:Auth:AdminKey must be at least 16")]
    [InlineData("--Takase:Cors:Origins:0=https://app.example/path", "Takase:Cors:Origins entry 'https://app.example/path'")]
    public void Bad_access_settings_stop_the_build_naming_the_setting(string argument, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => TakaseServer.Build([argument], o => o.Host = "127.0.0.1:0"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public async Task On_loopback_by_default_no_key_is_needed_and_any_key_is_ignored()
    {
        await using var server = await AccessServer.StartAsync();
        using var tags = await server.SendAsync(HttpMethod.Get, "/api/tags", null);
        Assert.Equal(HttpStatusCode.OK, tags.StatusCode);
        // OpenAI SDKs always send some key ("ollama" is the usual one); an open server does not judge it.
        using var models = await server.SendAsync(HttpMethod.Get, "/v1/models", "ollama");
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        using var keys = await server.SendAsync(HttpMethod.Get, "/api/admin/keys", "tk_00000000_forged");
        Assert.Equal(HttpStatusCode.OK, keys.StatusCode);
    }

    [Fact]
    public async Task When_required_a_missing_or_forged_key_is_401_in_each_APIs_shape()
    {
        await using var server = await AccessServer.StartSecuredAsync();

        using var none = await server.SendAsync(HttpMethod.Get, "/api/tags", null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        var ollama = JsonDocument.Parse(await none.Content.ReadAsStringAsync(Cancel)).RootElement;
        Assert.Contains("requires an API key", ollama.GetProperty("error").GetString());

        using var forged = await server.SendAsync(HttpMethod.Post, "/v1/chat/completions", "tk_deadbeef_" + new string('A', 43), new { model = "m" });
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        var openAi = JsonDocument.Parse(await forged.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("error");
        Assert.Equal("authentication_error", openAi.GetProperty("type").GetString());
        Assert.Equal("invalid_api_key", openAi.GetProperty("code").GetString());

        using var wrongAdmin = await server.SendAsync(HttpMethod.Get, "/api/admin/keys", AccessServer.AdminKey + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAdmin.StatusCode);
    }

    [Fact]
    public async Task The_version_and_health_probe_stay_open()
    {
        await using var server = await AccessServer.StartSecuredAsync();
        using var version = await server.SendAsync(HttpMethod.Get, "/api/version", null);
        Assert.Equal(HttpStatusCode.OK, version.StatusCode);
        using var probe = await server.SendAsync(HttpMethod.Get, "/", null);
        Assert.Equal("Ollama is running", await probe.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task The_bootstrap_admin_key_creates_a_client_key_that_works_only_within_its_role()
    {
        await using var server = await AccessServer.StartSecuredAsync();
        var (id, secret) = await server.CreateKeyAsync("laptop", "client");
        Assert.StartsWith("tk_", secret);
        Assert.StartsWith("key_", id);

        using var tags = await server.SendAsync(HttpMethod.Get, "/api/tags", secret);
        Assert.Equal(HttpStatusCode.OK, tags.StatusCode);
        // x-api-key is accepted as well as Authorization: Bearer.
        using var viaHeader = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        viaHeader.Headers.Add("x-api-key", secret);
        using var models = await server.Http.SendAsync(viaHeader, Cancel);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);

        foreach (var (method, path) in new[] { (HttpMethod.Get, "/api/admin/keys"), (HttpMethod.Put, "/api/router/profiles/p"),
                     (HttpMethod.Delete, "/api/delete"), (HttpMethod.Post, "/api/pull"), (HttpMethod.Get, "/api/feedback") })
        {
            using var refused = await server.SendAsync(method, path, secret, new { });
            Assert.True(HttpStatusCode.Forbidden == refused.StatusCode, $"{method} {path}: {refused.StatusCode}");
            var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("error").GetString();
            Assert.Contains("'laptop' has the role client", error);
        }

        // The listing shows the key, never a secret.
        using var list = await server.SendAsync(HttpMethod.Get, "/api/admin/keys", AccessServer.AdminKey);
        var listed = await list.Content.ReadAsStringAsync(Cancel);
        Assert.Contains(id, listed);
        Assert.DoesNotContain(secret, listed);
        Assert.Equal("client", JsonDocument.Parse(listed).RootElement.GetProperty("keys").EnumerateArray()
            .Single(k => k.GetProperty("id").GetString() == id).GetProperty("role").GetString());
    }

    [Fact]
    public async Task An_operator_reads_feedback_but_cannot_manage_keys()
    {
        await using var server = await AccessServer.StartSecuredAsync();
        var (_, secret) = await server.CreateKeyAsync("desk", "operator");
        using var feedback = await server.SendAsync(HttpMethod.Get, "/api/feedback", secret);
        Assert.Equal(HttpStatusCode.OK, feedback.StatusCode);
        using var keys = await server.SendAsync(HttpMethod.Post, "/api/admin/keys", secret, new { name = "x", role = "admin" });
        Assert.Equal(HttpStatusCode.Forbidden, keys.StatusCode);
    }

    [Fact]
    public async Task A_revoked_key_is_403_and_listed_as_revoked()
    {
        await using var server = await AccessServer.StartSecuredAsync();
        var (id, secret) = await server.CreateKeyAsync("old", "client");
        using var revoke = await server.SendAsync(HttpMethod.Delete, $"/api/admin/keys/{id}", AccessServer.AdminKey);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.NotEqual(JsonValueKind.Null, JsonDocument.Parse(await revoke.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("revoked_at").ValueKind);

        using var refused = await server.SendAsync(HttpMethod.Get, "/api/tags", secret);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("'old'", await refused.Content.ReadAsStringAsync(Cancel));
        using var openAi = await server.SendAsync(HttpMethod.Get, "/v1/models", secret);
        Assert.Equal("permission_error", JsonDocument.Parse(await openAi.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("error").GetProperty("type").GetString());

        using var unknown = await server.SendAsync(HttpMethod.Delete, "/api/admin/keys/key_nope", AccessServer.AdminKey);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Theory]
    [InlineData("{\"name\": \"x\", \"role\": \"root\"}", "role:")]
    [InlineData("{\"role\": \"client\"}", "name:")]
    public async Task A_key_request_without_a_valid_name_or_role_is_400_naming_the_field(string body, string field)
    {
        await using var server = await AccessServer.StartSecuredAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/keys") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", AccessServer.AdminKey);
        using var response = await server.Http.SendAsync(request, Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith(field, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("error").GetString());
    }
}
