using System.Net;
using System.Text.Json;

namespace Takase.Server.Tests.Access;

/// <summary>Admin actions leave audit entries naming who did what to which record, readable by admins.</summary>
public sealed class AuditTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<JsonElement[]> AuditAsync(AccessServer server, string key)
    {
        using var response = await server.SendAsync(HttpMethod.Get, "/api/admin/audit?limit=50", key);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return [.. JsonDocument.Parse(text).RootElement.GetProperty("entries").EnumerateArray()];
    }

    [Fact]
    public async Task Creating_and_revoking_keys_and_a_router_PUT_are_audited_with_the_actor()
    {
        await using var server = await AccessServer.StartSecuredAsync();
        var (adminId, adminSecret) = await server.CreateKeyAsync("ops-lead", "admin");
        var (clientId, _) = await server.CreateKeyAsync("ci", "client");
        using (var revoke = await server.SendAsync(HttpMethod.Delete, $"/api/admin/keys/{clientId}", adminSecret))
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        using (var putTarget = await server.SendAsync(HttpMethod.Put, "/api/router/targets/edge", adminSecret, new { kind = "Local", model = "stories260K" }))
            Assert.True(putTarget.IsSuccessStatusCode, await putTarget.Content.ReadAsStringAsync(Cancel));
        // A refused change is not an action and leaves no entry.
        using (var bad = await server.SendAsync(HttpMethod.Put, "/api/router/profiles/bad", adminSecret, new { candidates = new[] { "nope" } }))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var entries = await AuditAsync(server, adminSecret);
        var created = entries.Single(e => e.GetProperty("action").GetString() == "apikey.create" && e.GetProperty("subject").GetString() == clientId);
        Assert.Equal("admin-key", created.GetProperty("actor").GetString());
        Assert.Contains("\"role\":\"client\"", created.GetProperty("details").GetString());
        Assert.Single(entries, e => e.GetProperty("action").GetString() == "apikey.create" && e.GetProperty("subject").GetString() == adminId);

        var revoked = entries.Single(e => e.GetProperty("action").GetString() == "apikey.revoke");
        Assert.Equal(adminId, revoked.GetProperty("actor").GetString());
        Assert.Equal(clientId, revoked.GetProperty("subject").GetString());
        Assert.Contains("\"by\":\"ops-lead\"", revoked.GetProperty("details").GetString());

        var put = entries.Single(e => e.GetProperty("action").GetString() == "router.target.put");
        Assert.Equal(adminId, put.GetProperty("actor").GetString());
        Assert.Equal("edge", put.GetProperty("subject").GetString());
        Assert.DoesNotContain(entries, e => e.GetProperty("subject").GetString() == "bad");
        // Newest first.
        Assert.Equal("router.target.put", entries[0].GetProperty("action").GetString());
    }

    [Fact]
    public async Task Only_admins_read_the_audit_log_and_limit_is_checked()
    {
        await using var server = await AccessServer.StartSecuredAsync();
        var (_, operatorKey) = await server.CreateKeyAsync("desk", "operator");
        using var refused = await server.SendAsync(HttpMethod.Get, "/api/admin/audit", operatorKey);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using var badLimit = await server.SendAsync(HttpMethod.Get, "/api/admin/audit?limit=0", AccessServer.AdminKey);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Contains("limit:", await badLimit.Content.ReadAsStringAsync(Cancel));
    }
}
