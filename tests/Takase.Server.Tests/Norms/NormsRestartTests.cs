using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Takase.Server.Hosting;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Norms;

/// <summary>Versions and assignments made through the admin API outlive a restart and win over the configuration.</summary>
public sealed class NormsRestartTests : IDisposable
{
    private const string AdminKey = "restart-admin-key-0123456789abcdef";
    private readonly TempDir _dir = new();

    private async Task<(WebApplication App, HttpClient Http)> StartAsync()
    {
        var app = TakaseServer.Build([
            "--Takase:Norms:Profiles:house:Input:0:Name=configured", "--Takase:Norms:Profiles:house:Input:0:Keywords:0=x",
            "--Takase:Norms:Profiles:house:Input:0:Action=Allow",
        ], o =>
        {
            o.Host = "127.0.0.1:0";
            o.IncludeOllamaModels = false;
            o.ModelsDirectory = _dir.File("models");
            o.Database.Path = _dir.File("takase.db");
            o.Auth.Required = "true";
            o.Auth.AdminKey = AdminKey;
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var http = new HttpClient { BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return (app, http);
    }

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

    /// <inheritdoc />
    public void Dispose() => _dir.Dispose();
}
