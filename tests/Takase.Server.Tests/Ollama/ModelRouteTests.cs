using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Takase.Server.Tests.Support;
using Takase.Tests.Support;
using static Takase.Server.Tests.Ollama.Ndjson;

namespace Takase.Server.Tests.Ollama;

[Collection("server")]
public class ModelRouteTests(LiveServer server)
{
    [Fact]
    public async Task TagsDescribeEachModelFromItsGgufHeader()
    {
        server.RequireModels();
        var tags = await server.Http.GetFromJsonAsync<JsonElement>("/api/tags", Cancel);
        var models = tags.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);

        var stories = models["stories260K:latest"];
        Assert.Equal(["name", "model", "modified_at", "size", "digest", "details"], stories.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(SharedData.Path("models/stories260K.gguf")))), stories.GetProperty("digest").GetString());
        var details = stories.GetProperty("details");
        long parameters;
        using (var file = Takase.Engine.Gguf.GgufFile.Open(SharedData.Path("models/stories260K.gguf"))) parameters = file.Tensors.Sum(t => t.ElementCount);
        Assert.InRange(parameters, 250_000, 300_000); // "stories260K"
        Assert.Equal($$"""{"parent_model":"","format":"gguf","family":"llama","families":["llama"],"parameter_size":"{{Math.Round(parameters / 1000.0)}}K","quantization_level":"F32"}""",
            details.GetRawText());
        Assert.Equal("Q8_0", models["stories260K-Q8_0:latest"].GetProperty("details").GetProperty("quantization_level").GetString());
        // tiny-chat's file has no general.file_type: its quantization is the type holding most weight bytes.
        Assert.Equal("F16", models["tiny-chat:latest"].GetProperty("details").GetProperty("quantization_level").GetString());
        Assert.Equal("qwen2", models["tiny-chat:latest"].GetProperty("details").GetProperty("family").GetString());

        using var head = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/tags"), Cancel);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }

    [Fact]
    public async Task ShowGivesTemplateMetadataAndCapabilities()
    {
        server.RequireModels();
        var chat = await PostOkAsync(server.Http, "/api/show", new { model = "tiny-chat" });
        Assert.Equal(File.ReadAllText(SharedData.Path("templates/Qwen-Qwen2.5-7B-Instruct.jinja")), chat.GetProperty("template").GetString());
        Assert.Equal(["completion", "tools"], chat.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        var info = chat.GetProperty("model_info");
        Assert.Equal("qwen2", info.GetProperty("general.architecture").GetString());
        Assert.Equal(512, info.GetProperty("qwen2.context_length").GetInt32());
        Assert.Equal(0, info.GetProperty("tokenizer.ggml.tokens").GetArrayLength()); // large arrays are emptied unless verbose
        Assert.False(info.TryGetProperty("tokenizer.chat_template", out _));
        Assert.True(info.GetProperty("general.parameter_count").GetInt64() > 151936 * 32);
        Assert.Contains("FROM ", chat.GetProperty("modelfile").GetString());
        Assert.Contains("stop", chat.GetProperty("parameters").GetString());
        Assert.Contains("\"<|im_end|>\"", chat.GetProperty("parameters").GetString());

        // ollama-js deletes and older clients show with "name" instead of "model".
        var stories = await PostOkAsync(server.Http, "/api/show", new { name = "stories260K", verbose = true });
        Assert.Equal(["completion"], stories.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.False(stories.TryGetProperty("template", out _));
        Assert.Equal(512, stories.GetProperty("model_info").GetProperty("tokenizer.ggml.tokens").GetArrayLength());
    }

    [Fact]
    public async Task PsListsLoadedModelsWithTheirQueue()
    {
        server.RequireModels();
        await PostOkAsync(server.Http, "/api/generate", new { model = "stories260K", prompt = "Once", stream = false, keep_alive = -1, options = new { num_predict = 1 } });
        var ps = await server.Http.GetFromJsonAsync<JsonElement>("/api/ps", Cancel);
        var stories = ps.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "stories260K:latest");
        Assert.Equal(["name", "model", "size", "digest", "details", "expires_at", "size_vram", "context_length", "queue"], stories.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0, stories.GetProperty("size_vram").GetInt64());
        Assert.Equal(512, stories.GetProperty("context_length").GetInt32()); // the model's trained context caps the default 4096
        Assert.True(stories.GetProperty("size").GetInt64() > new FileInfo(SharedData.Path("models/stories260K.gguf")).Length);
        Assert.True(stories.GetProperty("expires_at").GetDateTime() > DateTime.UtcNow.AddYears(100)); // keep_alive -1: forever
        Assert.Equal("""{"running":0,"queued":0,"slots":4}""", stories.GetProperty("queue").GetRawText());

        var queue = await server.Http.GetFromJsonAsync<JsonElement>("/api/queue", Cancel);
        var entry = queue.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("model").GetString() == "stories260K:latest");
        Assert.Equal("""{"model":"stories260K:latest","running":0,"queued":0,"slots":4}""", entry.GetRawText());
    }

    [Fact]
    public async Task CopyMakesANewNameAndDeleteRemovesItButNotTheSource()
    {
        server.RequireModels();
        var copy = await PostAsync(server.Http, "/api/copy", new { source = "stories260K", destination = "my-stories" });
        Assert.Equal(HttpStatusCode.OK, copy.Status);
        var answer = await PostOkAsync(server.Http, "/api/generate", new { model = "my-stories:latest", prompt = "Once upon a time", stream = false, options = new { temperature = 0, repeat_penalty = 1, num_predict = 8 } });
        Assert.StartsWith(", there was a little girl", answer.GetProperty("response").GetString());

        using var delete = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/delete") { Content = JsonContent.Create(new { model = "my-stories" }) }, Cancel);
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        var tags = await server.Http.GetFromJsonAsync<JsonElement>("/api/tags", Cancel);
        var names = tags.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToList();
        Assert.DoesNotContain("my-stories:latest", names);
        Assert.Contains("stories260K:latest", names);
        Assert.True(File.Exists(SharedData.Path("models/stories260K.gguf")));

        using var again = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/delete") { Content = JsonContent.Create(new { name = "my-stories" }) }, Cancel);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("sub/dir")]
    [InlineData("name:v2")]
    [InlineData("back\\slash")]
    [InlineData("")]
    public async Task CopyRefusesNamesThatAreNotPlainFileNames(string destination)
    {
        server.RequireModels();
        var (status, body) = await PostAsync(server.Http, "/api/copy", new { source = "stories260K", destination });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("destination", body.GetProperty("error").GetString());
        Assert.Equal(3, Directory.GetFiles(server.ModelsDirectory, "*.gguf").Length);
    }

    [Fact]
    public async Task CopyAndDeleteOfUnknownModelsAre404()
    {
        var (status, body) = await PostAsync(server.Http, "/api/copy", new { source = "no-such-model", destination = "x" });
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("no-such-model", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task BlobsAreStoredOnlyWhenTheirDigestMatches()
    {
        var data = RandomNumberGenerator.GetBytes(100_000);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));
        using (var head = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/blobs/{digest}"), Cancel))
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);

        var wrong = "sha256:" + new string('0', 64);
        using (var bad = await server.Http.PostAsync($"/api/blobs/{wrong}", new ByteArrayContent(data), Cancel))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("digest mismatch", await bad.Content.ReadAsStringAsync(Cancel));
        }
        Assert.False(File.Exists(Path.Combine(server.ModelsDirectory, "blobs", "sha256-" + new string('0', 64))));

        using (var created = await server.Http.PostAsync($"/api/blobs/{digest}", new ByteArrayContent(data), Cancel))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(data, File.ReadAllBytes(Path.Combine(server.ModelsDirectory, "blobs", "sha256-" + digest[7..])));
        using (var head = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/blobs/{digest}"), Cancel))
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        using (var again = await server.Http.PostAsync($"/api/blobs/{digest}", new ByteArrayContent(data), Cancel))
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        using var invalid = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/blobs/sha256:xyz"), Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    [Fact]
    public async Task CreateWithoutAModelfileOrFromIsAClearError()
    {
        var (status, body) = await PostAsync(server.Http, "/api/create", new { model = "llama3.2" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("modelfile", body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("/api/pull")]
    [InlineData("/api/push")]
    public async Task PullAndPushOfAModelNobodyHasAreClearErrors(string path)
    {
        var (status, body) = await PostAsync(server.Http, path, new { model = "llama3.2", stream = false });
        Assert.True(status is HttpStatusCode.NotFound or HttpStatusCode.BadRequest or HttpStatusCode.BadGateway, $"{status}: {body}");
        Assert.Contains("llama3.2", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task TokenizeAndDetokenizeRoundTrip()
    {
        server.RequireModels();
        const string text = "Once upon a time, there was a little girl named Lily.";
        var plain = await PostOkAsync(server.Http, "/api/tokenize", new { model = "stories260K", content = text });
        var withBos = await PostOkAsync(server.Http, "/api/tokenize", new { model = "stories260K", text, add_special = true });
        // shared/data/README.md: llama.cpp's tokenization of this sentence, with BOS.
        int[] expected = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426];
        Assert.Equal(expected, withBos.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));
        Assert.Equal(expected[1..], plain.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));

        var back = await PostOkAsync(server.Http, "/api/detokenize", new { model = "stories260K", tokens = expected[1..] });
        Assert.Equal(text, back.GetProperty("content").GetString()!.TrimStart());

        var special = await PostOkAsync(server.Http, "/api/tokenize", new { model = "tiny-chat", content = "<|im_start|>user" });
        Assert.Equal(151644, special.GetProperty("tokens")[0].GetInt32());
        var (status, body) = await PostAsync(server.Http, "/api/detokenize", new { model = "stories260K", tokens = new[] { 1, 99999 } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("99999", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task VersionAnswersGetAndHead()
    {
        var version = await server.Http.GetFromJsonAsync<JsonElement>("/api/version", Cancel);
        Assert.Matches(@"^\d+\.\d+\.\d+$", version.GetProperty("version").GetString());
        using var head = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/version"), Cancel);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }
}
