using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Takase.Server.Tests.Support;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Cluster;

/// <summary>An admin change of the router made on one node reaches another node on the same database while it runs
/// (Takase:Router:RefreshInterval), without a restart.</summary>
public sealed class RouterChangeRefreshTests : IDisposable
{
    private const string AdminKey = "refresh-admin-key-0123456789abcdef";
    private readonly TempDir _dir = new();

    private Task<(WebApplication App, HttpClient Http)> StartAsync() => AdminNode.StartAsync(_dir, AdminKey,
        "--Takase:Router:Targets:far:Kind=Remote", "--Takase:Router:Targets:far:Model=m",
        "--Takase:Router:Targets:far:Endpoint=http://127.0.0.1:9/v1",
        "--Takase:Router:Profiles:auto:Candidates:0=far", "--Takase:Router:RefreshInterval=00:00:00.2");

    [Fact]
    public async Task A_profile_put_on_one_node_is_followed_by_the_other()
    {
        var cancel = TestContext.Current.CancellationToken;
        var (a, httpA) = await StartAsync();
        var (b, httpB) = await StartAsync();
        await using (a)
        await using (b)
        using (httpA)
        using (httpB)
        {
            Assert.False(await HasProfileAsync(httpB, "late", cancel));
            using var put = await httpA.PutAsJsonAsync("api/router/profiles/late", new { candidates = new[] { "far" } }, cancel);
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync(cancel));
            // Node B reads the stored changes every 0.2 s; give it up to 15 s on a busy machine.
            var deadline = DateTime.UtcNow.AddSeconds(15);
            var seen = false;
            while (!seen && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancel);
                seen = await HasProfileAsync(httpB, "late", cancel);
            }
            Assert.True(seen, "node B never listed the profile node A stored");
        }
    }

    private static async Task<bool> HasProfileAsync(HttpClient http, string name, CancellationToken cancel)
    {
        var listed = JsonNode.Parse(await http.GetStringAsync("api/router/profiles", cancel))!;
        return listed.ToJsonString().Contains($"\"{name}\"", StringComparison.Ordinal);
    }

    /// <inheritdoc />
    public void Dispose() => _dir.Dispose();
}
