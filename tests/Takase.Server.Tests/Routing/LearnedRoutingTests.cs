using System.Text.Json;
using Takase.Server.Tests.Ollama;

namespace Takase.Server.Tests.Routing;

/// <summary>
/// A learned profile end to end: the n-gram router file `takase router train` writes, named by the profile's ModelPath,
/// decides between the local model and the remote one, and the explanation points at the words that decided.
/// </summary>
[Collection("routed")]
public sealed class LearnedRoutingTests(RoutedServer server)
{
    private static async Task<JsonElement> Route(RoutedServer server, string prompt)
    {
        server.RequireModels();
        var body = await Ndjson.PostOkAsync(server.Http, "/api/chat", new
        {
            model = "learned",
            messages = new[] { new { role = "user", content = prompt } },
            stream = false,
            options = new { num_predict = 4 },
        });
        return body.GetProperty("takase");
    }

    [Fact]
    public async Task AHardPromptGoesToTheStrongTargetAndTheDecidingWordIsHighlighted()
    {
        const string prompt = "Can you check this theorem for me?";
        var takase = await Route(server, prompt);

        Assert.True(takase.TryGetProperty("score", out _), takase.ToString());
        Assert.Equal("ngram", takase.GetProperty("strategy").GetString(), ignoreCase: true);
        Assert.Equal("remote-ok", takase.GetProperty("chosen").GetString());
        Assert.True(takase.GetProperty("score").GetDouble() > 0.5);
        Assert.Equal(0.5, takase.GetProperty("thresholds")[0].GetDouble());
        // The strongest text feature pushing toward the strong model is a piece of "theorem", at its place in the prompt.
        var top = takase.GetProperty("contributions").EnumerateArray().First(c => c.GetProperty("weight").GetDouble() > 0 && c.TryGetProperty("text", out _));
        var start = top.GetProperty("start").GetInt32();
        var text = top.GetProperty("text").GetString()!;
        Assert.Equal(text, prompt.Substring(start, top.GetProperty("length").GetInt32()));
        Assert.Contains(text.Trim(), "theorem", StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AnEasyPromptStaysOnTheLocalModel()
    {
        var takase = await Route(server, "Tell me a story about a little fox");
        Assert.Equal("local", takase.GetProperty("chosen").GetString());
        Assert.True(takase.GetProperty("score").GetDouble() < 0.5);
    }
}
