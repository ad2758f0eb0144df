using System.Net;
using System.Text.Json;
using Takase.Server.Hosting;
using Takase.Server.Tests.Support;

namespace Takase.Server.Tests;

[Collection("server")]
public class HostingTests(LiveServer server)
{
    [Fact]
    public async Task RootAnswersLikeOllama()
    {
        var text = await server.Http.GetStringAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal("Ollama is running", text);
    }

    [Fact]
    public async Task TagsAndModelsListTheServedFolder()
    {
        server.RequireModels();
        using var tags = JsonDocument.Parse(await server.Http.GetStringAsync("/api/tags", TestContext.Current.CancellationToken));
        var names = tags.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToList();
        Assert.Contains("stories260K:latest", names);
        Assert.Contains("tiny-chat:latest", names);
        var stories = tags.RootElement.GetProperty("models").EnumerateArray().First(m => m.GetProperty("name").GetString() == "stories260K:latest");
        Assert.Equal(new FileInfo(Takase.Tests.Support.SharedData.Path("models/stories260K.gguf")).Length, stories.GetProperty("size").GetInt64());

        using var models = JsonDocument.Parse(await server.Http.GetStringAsync("/v1/models", TestContext.Current.CancellationToken));
        Assert.Equal("list", models.RootElement.GetProperty("object").GetString());
        Assert.Contains("stories260K:latest", models.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task UnknownRouteIs404()
    {
        var r = await server.Http.GetAsync("/api/nothing-here", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1:11434", "http://127.0.0.1:11434/")]
    [InlineData("0.0.0.0", "http://0.0.0.0:11434/")]
    [InlineData(":8080", "http://127.0.0.1:8080/")]
    [InlineData("http://localhost:9000/", "http://localhost:9000/")]
    [InlineData("[::1]:7000", "http://[::1]:7000/")]
    public void HostAddressesParseLikeOllama(string value, string expected) => Assert.Equal(expected, HostAddress.Parse(value).ToString());

    [Theory]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    [InlineData("10s", 10)]
    [InlineData("0", 0)]
    [InlineData("2.5", 2.5)]
    public void KeepAliveDurationsParse(string value, double seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), KeepAlive.Parse(value));

    [Fact]
    public void NegativeKeepAliveMeansForever() => Assert.Equal(KeepAlive.Forever, KeepAlive.Parse("-1m"));
}
