using System.Net;
using System.Net.Http.Json;
using Takase.Server.Tests.Support;

namespace Takase.Server.Tests.Models;

/// <summary>Every route that names a model answers an unknown one with the same 404 that suggests close names.</summary>
[Collection("server")]
public class UnknownModelTests(LiveServer server)
{
    [Theory]
    [InlineData("/api/chat")]
    [InlineData("/api/generate")]
    [InlineData("/api/show")]
    [InlineData("/api/embed")]
    public async Task ATypoSuggestsTheModelMeant(string path)
    {
        server.RequireModels();
        var response = await server.Http.PostAsJsonAsync(path, new { model = "storys260K", prompt = "x", input = "x", messages = new[] { new { role = "user", content = "x" } } }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("did you mean 'stories260K:latest'", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
