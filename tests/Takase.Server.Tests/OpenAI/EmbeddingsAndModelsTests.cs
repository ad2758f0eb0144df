using System.Net;
using System.Text.Json;
using Takase.Server.Tests.Support;
using static Takase.Server.Tests.OpenAI.OpenAiHttp;

namespace Takase.Server.Tests.OpenAI;

[Collection("server")]
public class EmbeddingsAndModelsTests(LiveServer server)
{
    private static float[] Floats(JsonElement embedding) => [.. embedding.EnumerateArray().Select(x => x.GetSingle())];

    private static double Norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));

    [Fact]
    public async Task EmbeddingsAreAListOfUnitVectors()
    {
        server.RequireModels();
        var (status, body) = await PostAsync(server.Http, "v1/embeddings",
            new { model = "stories260K", input = new[] { "Once upon a time, there was a little girl named Lily.", "The cat sat." } });
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal("list", body.GetProperty("object").GetString());
        Assert.Equal("stories260K:latest", body.GetProperty("model").GetString());
        var data = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal([0, 1], data.Select(d => d.GetProperty("index").GetInt32()));
        Assert.All(data, d => Assert.Equal("embedding", d.GetProperty("object").GetString()));
        var first = Floats(data[0].GetProperty("embedding"));
        Assert.Equal(64, first.Length); // stories260K's embedding width
        Assert.Equal(1.0, Norm(first), 1e-4);
        Assert.NotEqual(first, Floats(data[1].GetProperty("embedding")));
        var usage = body.GetProperty("usage");
        Assert.True(usage.GetProperty("prompt_tokens").GetInt32() > LilyTokens.Length);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Base64TokensAndDimensionsGiveTheSameVector()
    {
        server.RequireModels();
        const string text = "Once upon a time, there was a little girl named Lily.";
        var (_, floats) = await PostAsync(server.Http, "v1/embeddings", new { model = "stories260K", input = text });
        var expected = Floats(floats.GetProperty("data")[0].GetProperty("embedding"));

        // base64: the float32s little-endian, as the OpenAI SDKs decode them.
        var (_, b64) = await PostAsync(server.Http, "v1/embeddings", new { model = "stories260K", input = text, encoding_format = "base64" });
        var bytes = Convert.FromBase64String(b64.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        var decoded = Enumerable.Range(0, bytes.Length / 4).Select(i => BitConverter.ToSingle(bytes, i * 4)).ToArray();
        Assert.Equal(expected, decoded);

        // Token ids are embedded as they are: the tokenization of the text gives the same vector.
        var (_, tokens) = await PostAsync(server.Http, "v1/embeddings", new { model = "stories260K", input = new[] { LilyTokens } });
        Assert.Equal(expected, Floats(tokens.GetProperty("data")[0].GetProperty("embedding")));
        Assert.Equal(LilyTokens.Length, tokens.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());

        var (_, cut) = await PostAsync(server.Http, "v1/embeddings", new { model = "stories260K", input = text, dimensions = 8 });
        var eight = Floats(cut.GetProperty("data")[0].GetProperty("embedding"));
        Assert.Equal(8, eight.Length);
        Assert.Equal(1.0, Norm(eight), 1e-4);
        var head = expected[..8];
        var scale = Norm(head);
        for (var i = 0; i < 8; i++) Assert.Equal(head[i] / scale, eight[i], 1e-4);
    }

    [Fact]
    public async Task BadEmbeddingRequestsNameTheField()
    {
        server.RequireModels();
        AssertError(HttpStatusCode.BadRequest, "input", await PostAsync(server.Http, "v1/embeddings", new { model = "stories260K" }));
        AssertError(HttpStatusCode.BadRequest, "input", await PostAsync(server.Http, "v1/embeddings", new { model = "stories260K", input = "" }));
        AssertError(HttpStatusCode.BadRequest, "input", await PostAsync(server.Http, "v1/embeddings", new { model = "stories260K", input = Array.Empty<string>() }));
        AssertError(HttpStatusCode.BadRequest, "encoding_format", await PostAsync(server.Http, "v1/embeddings", new { model = "stories260K", input = "a", encoding_format = "hex" }));
        AssertError(HttpStatusCode.BadRequest, "dimensions", await PostAsync(server.Http, "v1/embeddings", new { model = "stories260K", input = "a", dimensions = 0 }));
        AssertError(HttpStatusCode.BadRequest, "dimensions", await PostAsync(server.Http, "v1/embeddings", new { model = "stories260K", input = "a", dimensions = 65 }));
        AssertError(HttpStatusCode.NotFound, "model", await PostAsync(server.Http, "v1/embeddings", new { model = "no-such-model", input = "a" }));
    }

    [Fact]
    public async Task ModelsAreListedAndRetrieved()
    {
        server.RequireModels();
        using var list = JsonDocument.Parse(await server.Http.GetStringAsync("v1/models", TestContext.Current.CancellationToken));
        Assert.Equal("list", list.RootElement.GetProperty("object").GetString());
        var models = list.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.Contains("tiny-chat:latest", models.Select(m => m.GetProperty("id").GetString()));
        foreach (var m in models)
        {
            Assert.Equal("model", m.GetProperty("object").GetString());
            Assert.True(m.GetProperty("created").GetInt64() > 0);
            Assert.Equal("library", m.GetProperty("owned_by").GetString());
        }
        var stories = models.Single(m => m.GetProperty("id").GetString() == "stories260K:latest");

        // Ids contain ':'; clients send it as is or escaped, and the tag may be left out.
        foreach (var path in new[] { "v1/models/stories260K:latest", "v1/models/stories260K%3Alatest", "v1/models/stories260K" })
        {
            using var one = JsonDocument.Parse(await server.Http.GetStringAsync(path, TestContext.Current.CancellationToken));
            Assert.Equal(stories.ToString(), one.RootElement.ToString());
        }
    }

    [Fact]
    public async Task UnknownModelsAre404InOpenAisShape()
    {
        server.RequireModels();
        using var response = await server.Http.GetAsync("v1/models/gpt-9:latest", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var error = body.RootElement.GetProperty("error");
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Contains("gpt-9:latest", error.GetProperty("message").GetString());

        var chat = await PostAsync(server.Http, "v1/chat/completions", new { model = "gpt-9", messages = new[] { new { role = "user", content = "hi" } } });
        AssertError(HttpStatusCode.NotFound, "model", chat);
        Assert.Equal("model_not_found", chat.Body.GetProperty("error").GetProperty("code").GetString());
    }
}
