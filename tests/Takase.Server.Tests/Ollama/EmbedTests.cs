using System.Net;
using System.Text.Json;
using Takase.Server.Tests.Support;
using static Takase.Server.Tests.Ollama.Ndjson;

namespace Takase.Server.Tests.Ollama;

[Collection("server")]
public class EmbedTests(LiveServer server)
{
    [Fact]
    public async Task EmbedReturnsOneUnitVectorPerInput()
    {
        server.RequireModels();
        var answer = await PostOkAsync(server.Http, "/api/embed", new { model = "stories260K", input = new[] { "Once upon a time", "The little dog ran home." } });
        Assert.Equal(["model", "embeddings", "total_duration", "load_duration", "prompt_eval_count"], answer.EnumerateObject().Select(p => p.Name));
        var vectors = Vectors(answer);
        Assert.Equal(2, vectors.Count);
        Assert.All(vectors, v => Assert.Equal(64, v.Length)); // stories260K's embedding width
        Assert.All(vectors, v => Assert.Equal(1, Norm(v), 3));
        Assert.NotEqual(vectors[0], vectors[1]);
        var tokens = 0;
        foreach (var text in new[] { "Once upon a time", "The little dog ran home." })
            tokens += (await PostOkAsync(server.Http, "/api/tokenize", new { model = "stories260K", content = text, add_special = true })).GetProperty("tokens").GetArrayLength();
        Assert.Equal(tokens, answer.GetProperty("prompt_eval_count").GetInt32());

        var single = await PostOkAsync(server.Http, "/api/embed", new { model = "stories260K", input = "Once upon a time" });
        Assert.Equal(vectors[0], Vectors(single)[0], (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public async Task DimensionsKeepTheFirstComponentsRenormalised()
    {
        server.RequireModels();
        var full = Vectors(await PostOkAsync(server.Http, "/api/embed", new { model = "stories260K", input = "Once upon a time" }))[0];
        var cut = Vectors(await PostOkAsync(server.Http, "/api/embed", new { model = "stories260K", input = "Once upon a time", dimensions = 16 }))[0];
        Assert.Equal(16, cut.Length);
        Assert.Equal(1, Norm(cut), 3);
        var scale = Norm(full[..16]);
        for (var i = 0; i < 16; i++) Assert.Equal(full[i] / scale, cut[i], 4);
    }

    [Fact]
    public async Task LegacyEmbeddingsIsTheSameDirectionButNotNormalised()
    {
        server.RequireModels();
        var normalised = Vectors(await PostOkAsync(server.Http, "/api/embed", new { model = "stories260K", input = "Once upon a time" }))[0];
        var legacy = (await PostOkAsync(server.Http, "/api/embeddings", new { model = "stories260K", prompt = "Once upon a time" }))
            .GetProperty("embedding").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
        Assert.Equal(64, legacy.Length);
        Assert.NotEqual(1, Norm(legacy), 3);
        var norm = Norm(legacy);
        for (var i = 0; i < legacy.Length; i++) Assert.Equal(normalised[i], legacy[i] / norm, 4);
    }

    [Fact]
    public async Task EmptyInputOnlyLoadsTheModel()
    {
        server.RequireModels();
        var answer = await PostOkAsync(server.Http, "/api/embed", new { model = "stories260K", input = Array.Empty<string>() });
        Assert.Equal("""{"model":"stories260K","embeddings":[]}""", answer.GetRawText());
        var legacy = await PostOkAsync(server.Http, "/api/embeddings", new { model = "stories260K", prompt = "" });
        Assert.Equal("""{"embedding":[]}""", legacy.GetRawText());
    }

    [Fact]
    public async Task OverlongInputIsCutUnlessTruncateIsFalse()
    {
        server.RequireModels();
        var text = string.Join(' ', Enumerable.Repeat("Once upon a time there was a dog.", 20));
        var cut = await PostOkAsync(server.Http, "/api/embed", new { model = "stories260K", input = text, options = new { num_ctx = 32 } });
        Assert.Equal(32, cut.GetProperty("prompt_eval_count").GetInt32());
        var (status, body) = await PostAsync(server.Http, "/api/embed", new { model = "stories260K", input = text, truncate = false, options = new { num_ctx = 32 } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("context window of 32 tokens", body.GetProperty("error").GetString());
        (status, body) = await PostAsync(server.Http, "/api/embed", new { model = "stories260K", input = new object[] { "a", 5 } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("element 1", body.GetProperty("error").GetString());
    }

    private static List<float[]> Vectors(JsonElement answer) =>
        answer.GetProperty("embeddings").EnumerateArray().Select(v => v.EnumerateArray().Select(x => x.GetSingle()).ToArray()).ToList();

    private static double Norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));
}
