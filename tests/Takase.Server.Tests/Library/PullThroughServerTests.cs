using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Takase.Library.Store;
using Takase.Library.Tests.Registry;
using Takase.Server.Hosting;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Library;

/// <summary>
/// /api/pull against a real registry on 127.0.0.1: progress streams as Ollama's, the pulled model is listed and runs,
/// and name@sha256:… pins it.
/// </summary>
public sealed class PullThroughServerTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private FakeRegistry _registry = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _registry = await FakeRegistry.StartAsync();
        _app = TakaseServer.Build([], o =>
        {
            o.Host = "127.0.0.1:0";
            o.ModelsDirectory = _dir.Path;
            o.RegistryUrl = _registry.BaseAddress.ToString();
            o.IncludeOllamaModels = false;
        });
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        await _registry.DisposeAsync();
        _dir.Dispose();
    }

    private string Publish(string model, string tag)
    {
        var gguf = File.ReadAllBytes(SharedData.Path("models/stories260K.gguf"));
        var blob = _registry.AddBlob(MediaTypes.Model, gguf);
        return _registry.AddModel("library", model, tag, blob,
            _registry.AddBlob(MediaTypes.Params, Encoding.UTF8.GetBytes("""{"temperature":0}""")));
    }

    [Fact]
    public async Task PullStreamsProgressThenTheModelIsListedAndRuns()
    {
        var digest = Publish("stories", "260k");
        var response = await _http.PostAsJsonAsync("/api/pull", new { model = "stories:260k" }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("pulling manifest", lines[0].GetProperty("status").GetString());
        Assert.Equal("success", lines[^1].GetProperty("status").GetString());
        Assert.Contains(lines, l => l.GetProperty("status").GetString()!.StartsWith("pulling ") && l.TryGetProperty("total", out _));

        using var tags = JsonDocument.Parse(await _http.GetStringAsync("/api/tags", TestContext.Current.CancellationToken));
        var entry = tags.RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "stories:260k");
        Assert.Equal(digest.Replace("sha256:", ""), entry.GetProperty("digest").GetString());

        foreach (var name in new[] { "stories:260k", $"stories:260k@{digest}" })
        {
            var generate = await _http.PostAsJsonAsync("/api/generate", new { model = name, prompt = "Once upon a time", raw = true, stream = false, options = new { temperature = 0, repeat_penalty = 1, num_predict = 5 } }, TestContext.Current.CancellationToken);
            var body = await generate.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(generate.IsSuccessStatusCode, body);
            Assert.Equal(", there was a little", JsonDocument.Parse(body).RootElement.GetProperty("response").GetString());
        }
    }

    [Fact]
    public async Task AnUnknownModelIsA404AndNothingIsWritten()
    {
        SharedData.Path("models/stories260K.gguf");
        var response = await _http.PostAsJsonAsync("/api/pull", new { model = "nothing-here", stream = false }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("error", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "manifests")) && Directory.EnumerateFiles(Path.Combine(_dir.Path, "manifests"), "*", SearchOption.AllDirectories).Any());
    }
}
