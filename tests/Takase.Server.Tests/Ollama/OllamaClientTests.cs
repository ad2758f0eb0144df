using System.Text.Json;
using Takase.Server.Tests.Support;

namespace Takase.Server.Tests.Ollama;

/// <summary>The real ollama-js client (npm "ollama") against the live server: every call it makes must just work.</summary>
[Collection("server")]
public class OllamaClientTests(LiveServer server)
{
    [Fact]
    public async Task OllamaJsListsShowsGeneratesChatsEmbedsAndManagesModels()
    {
        server.RequireModels();
        var output = await NodeClients.RunAsync("ollama-client.mjs", server.BaseAddress);
        var r = JsonDocument.Parse(output).RootElement;

        Assert.Equal(Takase.Server.Ollama.OllamaApi.Version, r.GetProperty("version").GetString());
        var list = r.GetProperty("list").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Equal("llama", list["stories260K:latest"].GetProperty("family").GetString());
        Assert.Equal("Q8_0", list["stories260K-Q8_0:latest"].GetProperty("quantization").GetString());
        Assert.Equal("qwen2", list["tiny-chat:latest"].GetProperty("family").GetString());

        var show = r.GetProperty("show");
        Assert.Equal(["completion", "tools"], show.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.True(show.GetProperty("hasTemplate").GetBoolean());
        Assert.Equal("qwen2", show.GetProperty("architecture").GetString());

        // Greedy stories260K: llama.cpp's continuation (shared/data/README.md), whole and streamed.
        const string continuation = ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball.";
        var generate = r.GetProperty("generate");
        Assert.StartsWith(continuation, generate.GetProperty("response").GetString());
        Assert.True(generate.GetProperty("done").GetBoolean());
        Assert.Equal("length", generate.GetProperty("done_reason").GetString());
        Assert.Equal(40, generate.GetProperty("eval_count").GetInt32());
        var stream = r.GetProperty("generateStream");
        Assert.Equal(generate.GetProperty("response").GetString(), stream.GetProperty("text").GetString());
        Assert.Equal(41, stream.GetProperty("chunks").GetInt32()); // one per token, then the final chunk
        Assert.Equal(5 + 40, stream.GetProperty("context").GetInt32());
        Assert.True(stream.GetProperty("eval_duration").GetInt64() > 0);

        var chat = r.GetProperty("chat");
        Assert.Equal("assistant", chat.GetProperty("role").GetString());
        Assert.Equal(6, chat.GetProperty("eval_count").GetInt32());
        var chatStream = r.GetProperty("chatStream");
        Assert.Equal(chat.GetProperty("content").GetString(), chatStream.GetProperty("content").GetString());
        Assert.True(chatStream.GetProperty("done").GetBoolean());

        var tools = r.GetProperty("tools");
        Assert.True(tools.GetProperty("done").GetBoolean());
        Assert.True(tools.GetProperty("withTools").GetInt32() > tools.GetProperty("withoutTools").GetInt32());
        var called = Assert.Single(tools.GetProperty("called").EnumerateArray()).GetProperty("function");
        Assert.Equal("get_weather", called.GetProperty("name").GetString());
        Assert.Equal("Paris", called.GetProperty("arguments").GetProperty("city").GetString());

        var embed = r.GetProperty("embed");
        Assert.Equal(2, embed.GetProperty("count").GetInt32());
        Assert.Equal(64, embed.GetProperty("dimensions").GetInt32());
        Assert.Equal(1, embed.GetProperty("norm").GetDouble(), 3);
        Assert.Equal(64, r.GetProperty("embeddings").GetProperty("dimensions").GetInt32());

        var ps = r.GetProperty("ps").EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToList();
        Assert.Contains("stories260K:latest", ps);
        Assert.Contains("tiny-chat:latest", ps);
        Assert.True(r.GetProperty("copied").GetBoolean());
        Assert.True(r.GetProperty("deleted").GetBoolean());

        // Errors reach the client as its ResponseError with the status and the server's message.
        var unknown = r.GetProperty("unknownModel");
        Assert.Equal(404, unknown.GetProperty("status").GetInt32());
        Assert.Contains("no-such-model", unknown.GetProperty("message").GetString());
        var bad = r.GetProperty("badOption");
        Assert.Equal(400, bad.GetProperty("status").GetInt32());
        Assert.Contains("num_ctx", bad.GetProperty("message").GetString());
        var pull = r.GetProperty("pull");
        Assert.Equal(404, pull.GetProperty("status").GetInt32()); // the test registry has no llama3.2
        Assert.Contains("llama3.2", pull.GetProperty("message").GetString());
    }
}
