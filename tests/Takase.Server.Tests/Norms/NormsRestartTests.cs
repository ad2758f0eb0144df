using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Takase.Server.Tests.Support;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Norms;

/// <summary>Versions and assignments made through the admin API outlive a restart and win over the configuration.</summary>
public sealed class NormsRestartTests : IDisposable
{
    private const string AdminKey = "restart-admin-key-0123456789abcdef";
    private readonly TempDir _dir = new();

    private Task<(WebApplication App, HttpClient Http)> StartAsync() => AdminNode.StartAsync(_dir, AdminKey,
        "--Takase:Norms:Profiles:house:Input:0:Name=configured", "--Takase:Norms:Profiles:house:Input:0:Keywords:0=x",
        "--Takase:Norms:Profiles:house:Input:0:Action=Allow", "--Takase:Norms:RefreshInterval=00:00:00.2");

    [Fact]
    public async Task StoredVersionsAndAssignmentsAreAppliedAtStartUp()
    {
        var cancel = TestContext.Current.CancellationToken;
        var (first, http) = await StartAsync();
        await using (first)
        using (http)
        {
            using var put = await http.PutAsJsonAsync("api/admin/norms/house", new { overlays = new[] { new { position = "Append", text = "stored" } } }, cancel);
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync(cancel));
            using var assign = await http.PutAsJsonAsync("api/admin/norms/assignments/profile/auto", new { norms = "house" }, cancel);
            Assert.True(assign.IsSuccessStatusCode, await assign.Content.ReadAsStringAsync(cancel));
        }

        var (second, again) = await StartAsync();
        await using (second)
        using (again)
        {
            var listed = JsonNode.Parse(await again.GetStringAsync("api/admin/norms", cancel))!;
            var versions = listed["profiles"]!.AsArray();
            Assert.Equal([(0, false), (1, true)], versions.Select(v => ((int)v!["version"]!, (bool)v["active"]!)));
            Assert.Equal("stored", (string?)versions[1]!["definition"]!["overlays"]![0]!["text"]);
            var assignment = Assert.Single(listed["assignments"]!.AsArray());
            Assert.Equal(("profile", "auto", "house"), ((string?)assignment!["kind"], (string?)assignment["subject"], (string?)assignment["norms"]));
        }
    }

    [Fact]
    public async Task AChangeOnOneNodeReachesAnotherOnTheSameDatabase()
    {
        var cancel = TestContext.Current.CancellationToken;
        var (a, httpA) = await StartAsync();
        var (b, httpB) = await StartAsync();
        await using (a)
        await using (b)
        using (httpA)
        using (httpB)
        {
            using var put = await httpA.PutAsJsonAsync("api/admin/norms/house", new { overlays = new[] { new { position = "Replace", text = "from A" } } }, cancel);
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync(cancel));
            // Node B reads the store every 0.2 s; give it up to 10 s on a busy machine.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            int active;
            do
            {
                await Task.Delay(100, cancel);
                var listed = JsonNode.Parse(await httpB.GetStringAsync("api/admin/norms/house", cancel))!;
                active = (int)listed["active_version"]!;
            }
            while (active != 1 && DateTime.UtcNow < deadline);
            Assert.Equal(1, active);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _dir.Dispose();
}
