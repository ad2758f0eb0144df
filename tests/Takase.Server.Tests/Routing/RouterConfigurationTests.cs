using System.Net;
using System.Text;
using System.Text.Json;
using Takase.Routing.Configuration;
using Takase.Server.Hosting;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Routing;

/// <summary>
/// The router's configuration: an invalid one stops the server before it starts, naming the key; the admin API lists
/// targets and profiles and takes changes validated the same way.
/// </summary>
[Collection("routed")]
public sealed class RouterConfigurationTests(RoutedServer server)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("--Takase:Router:Profiles:auto:Candidates:1=gpt5", "Takase:Router:Profiles:auto:Candidates:1")]
    [InlineData("--Takase:Router:Targets:remote-ok:Kind=Remot", "Takase:Router:Targets:remote-ok:Kind")]
    [InlineData("--Takase:Router:Fallback:FailureRatio=2", "Takase:Router:Fallback:FailureRatio")]
    public void AnInvalidRouterConfigurationFailsStartNamingTheKey(string bad, string key)
    {
        using var dir = new TempDir();
        var args = RoutedServer.RouterArguments(server.Provider);
        args.Add(bad);
        var e = Assert.Throws<RouterConfigurationException>(() => TakaseServer.Build([.. args], o =>
        {
            o.Host = "127.0.0.1:0";
            o.IncludeOllamaModels = false;
            o.ModelsDirectory = dir.Path;
        }));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public async Task TheAdminApiListsTargetsAndProfiles()
    {
        var targets = await GetJsonAsync("/api/router/targets");
        var remote = targets.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "remote-ok");
        Assert.Equal("Remote", remote.GetProperty("kind").GetString());
        Assert.Equal("External", remote.GetProperty("privacy").GetString());
        Assert.Equal(2.5, remote.GetProperty("input_cost_per_million").GetDouble());
        Assert.Equal(server.Provider.Endpoint("ok").ToString(), remote.GetProperty("endpoint").GetString());

        var profiles = await GetJsonAsync("/api/router/profiles");
        var auto = profiles.GetProperty("profiles").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "auto");
        Assert.Equal(["remote-ok", "local"], auto.GetProperty("candidates").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task APutProfileIsValidatedAndThenServed()
    {
        using var bad = await PutAsync("/api/router/profiles/bad-one", new { candidates = new[] { "local", "nope" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Takase:Router:Profiles:bad-one:Candidates:1", await bad.Content.ReadAsStringAsync(Cancel));
        Assert.DoesNotContain((await GetJsonAsync("/api/tags")).GetProperty("models").EnumerateArray(), m => m.GetProperty("name").GetString() == "bad-one");

        using var good = await PutAsync("/api/router/profiles/remote-only", new { candidates = new[] { "remote-ok" } });
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Contains((await GetJsonAsync("/api/tags")).GetProperty("models").EnumerateArray(), m => m.GetProperty("name").GetString() == "remote-only");
        using var content = new StringContent("""{"model":"remote-only","messages":[{"role":"user","content":"hi"}],"stream":false}""", Encoding.UTF8, "application/json");
        using var answer = await server.Http.PostAsync("/api/chat", content, Cancel);
        using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(FakeProvider.Answer, body.RootElement.GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task APutTargetWithoutAnEndpointIsRefusedNamingTheKey()
    {
        using var bad = await PutAsync("/api/router/targets/broken", new { kind = "Remote", model = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Takase:Router:Targets:broken", await bad.Content.ReadAsStringAsync(Cancel));
    }

    private async Task<HttpResponseMessage> PutAsync(string path, object body)
    {
        using var content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        return await server.Http.PutAsync(path, content, Cancel);
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await server.Http.GetAsync(path, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
