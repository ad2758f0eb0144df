using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using Takase.Server.Tests.Ollama;
using Takase.Server.Tests.OpenAI;

namespace Takase.Server.Tests.Routing;

/// <summary>
/// Requests to the profile "auto" (a remote target first, the local stories260K second) through both APIs: the answer
/// comes from the chosen target, the response names the model that answered, and the explanation travels with it —
/// Ollama's final chunk, OpenAI's x-takase-route-id header and "takase" field — and is retrievable by id.
/// </summary>
[Collection("routed")]
public sealed class RoutedRequestTests(RoutedServer server)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
    private static readonly object Greedy = new { temperature = 0, num_predict = 8 };
    private static readonly object[] Hello = [new { role = "user", content = "Say hello." }];

    [Fact]
    public async Task OllamaChatThroughAutoIsAnsweredByTheRemoteTargetWithTheExplanation()
    {
        var body = await Ndjson.PostOkAsync(server.Http, "/api/chat", new { model = "auto", messages = Hello, stream = false });

        Assert.Equal("fake-model", body.GetProperty("model").GetString());
        Assert.Equal(FakeProvider.Answer, body.GetProperty("message").GetProperty("content").GetString());
        Assert.True(body.GetProperty("done").GetBoolean());
        Assert.Equal(12, body.GetProperty("prompt_eval_count").GetInt32());
        Assert.Equal(7, body.GetProperty("eval_count").GetInt32());
        var takase = body.GetProperty("takase");
        Assert.StartsWith("rt_", takase.GetProperty("id").GetString());
        Assert.Equal("auto", takase.GetProperty("profile").GetString());
        Assert.Equal("remote-ok", takase.GetProperty("chosen").GetString());
        Assert.Equal("remote-ok", takase.GetProperty("answered_by").GetString());
        Assert.Equal(["remote-ok", "local"], takase.GetProperty("order").EnumerateArray().Select(e => e.GetString()));
        Assert.False(string.IsNullOrWhiteSpace(takase.GetProperty("reason").GetString()));
        var remote = takase.GetProperty("candidates").EnumerateArray().Single(c => c.GetProperty("target").GetString() == "remote-ok");
        Assert.True(remote.GetProperty("eligible").GetBoolean());
        Assert.True(remote.GetProperty("estimated_cost").GetDouble() > 0, "a remote target with token prices has a cost estimate");
        var hop = Assert.Single(takase.GetProperty("hops").EnumerateArray());
        Assert.Equal("remote-ok", hop.GetProperty("target").GetString());
        Assert.Equal("ok", hop.GetProperty("outcome").GetString());

        // The same decision, by id.
        var id = takase.GetProperty("id").GetString();
        var stored = await GetJsonAsync($"/api/routes/{id}");
        Assert.Equal(id, stored.GetProperty("id").GetString());
        Assert.Equal("ok", Assert.Single(stored.GetProperty("hops").EnumerateArray()).GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task OllamaChatStreamThroughAutoCarriesTheExplanationInTheFinalChunkOnly()
    {
        var lines = await Ndjson.StreamAsync(server.Http, "/api/chat", new { model = "auto", messages = Hello });

        Assert.True(lines.Count >= 3, $"the provider streams several pieces; got {lines.Count} lines");
        Assert.All(lines, l => Assert.Equal("fake-model", l.GetProperty("model").GetString()));
        Assert.Equal(FakeProvider.Answer, string.Concat(lines.Select(l => l.GetProperty("message").GetProperty("content").GetString())));
        Assert.All(lines[..^1], l => Assert.False(l.TryGetProperty("takase", out _)));
        var last = lines[^1];
        Assert.True(last.GetProperty("done").GetBoolean());
        Assert.Equal("remote-ok", last.GetProperty("takase").GetProperty("answered_by").GetString());
    }

    [Fact]
    public async Task OllamaGenerateThroughAutoAsksTheRemoteTargetAsAChat()
    {
        var before = server.Provider.Requests("ok");
        var body = await Ndjson.PostOkAsync(server.Http, "/api/generate", new { model = "auto", prompt = "Say hello.", stream = false });

        Assert.Equal(FakeProvider.Answer, body.GetProperty("response").GetString());
        Assert.Equal("fake-model", body.GetProperty("model").GetString());
        Assert.False(body.TryGetProperty("context", out _), "a routed answer has no token context to continue");
        Assert.Equal("auto", body.GetProperty("takase").GetProperty("profile").GetString());
        Assert.True(server.Provider.Requests("ok") > before);
    }

    [Fact]
    public async Task OllamaRoutesToTheLocalTargetAndNamesTheLocalModel()
    {
        server.RequireModels();
        var body = await Ndjson.PostOkAsync(server.Http, "/api/generate",
            new { model = "auto-local", prompt = "Once upon a time", raw = true, stream = false, options = Greedy });

        Assert.StartsWith("stories260K", body.GetProperty("model").GetString());
        Assert.Equal(8, body.GetProperty("eval_count").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("response").GetString()));
        var hop = Assert.Single(body.GetProperty("takase").GetProperty("hops").EnumerateArray());
        Assert.Equal(("local", "ok"), (hop.GetProperty("target").GetString(), hop.GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task OpenAiChatThroughAutoHasTheRouteHeaderAndTheTakaseField()
    {
        using var response = await PostAsync("/v1/chat/completions", new { model = "auto", messages = Hello });
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = Assert.Single(response.Headers.GetValues("x-takase-route-id"));
        Assert.Equal(id, body.GetProperty("takase").GetProperty("id").GetString());
        Assert.Equal("fake-model", body.GetProperty("model").GetString());
        Assert.Equal(FakeProvider.Answer, body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(12, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(id, (await GetJsonAsync($"/api/routes/{id}")).GetProperty("id").GetString());
    }

    [Fact]
    public async Task OpenAiChatStreamThroughAutoPutsTheTakaseFieldOnTheLastChunk()
    {
        var events = await OpenAiHttp.StreamAsync(server.Http, "/v1/chat/completions",
            new { model = "auto", messages = Hello, stream = true, stream_options = new { include_usage = true } });

        Assert.Equal(FakeProvider.Answer, string.Concat(events.Where(e => e.GetProperty("choices").GetArrayLength() > 0)
            .Select(e => e.GetProperty("choices")[0].GetProperty("delta")).Select(d => d.TryGetProperty("content", out var c) ? c.GetString() : "")));
        Assert.All(events, e => Assert.Equal("fake-model", e.GetProperty("model").GetString()));
        Assert.All(events[..^1], e => Assert.False(e.TryGetProperty("takase", out _)));
        Assert.Equal("remote-ok", events[^1].GetProperty("takase").GetProperty("answered_by").GetString());
        Assert.Equal(7, events[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task OpenAiTextCompletionThroughAutoUsesTheRemoteCompletionsEndpoint()
    {
        using var response = await PostAsync("/v1/completions", new { model = "auto", prompt = "Say hello.", max_tokens = 8 });
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(FakeProvider.Answer, body.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal("remote-ok", body.GetProperty("takase").GetProperty("answered_by").GetString());
        Assert.Single(response.Headers.GetValues("x-takase-route-id"));

        var events = await OpenAiHttp.StreamAsync(server.Http, "/v1/completions", new { model = "auto", prompt = "Say hello.", stream = true });
        Assert.Equal(FakeProvider.Answer, string.Concat(events.Select(e => e.GetProperty("choices")[0].GetProperty("text").GetString())));
        Assert.True(events[^1].TryGetProperty("takase", out _));
    }

    [Fact]
    public async Task TheOpenAiSdkRoutesThroughAuto()
    {
        var client = new ChatClient("auto", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "v1") });

        ChatCompletion whole = await client.CompleteChatAsync([new UserChatMessage("Say hello.")], cancellationToken: Cancel);
        Assert.Equal(FakeProvider.Answer, whole.Content[0].Text);
        Assert.Equal("fake-model", whole.Model);

        var streamed = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Say hello.")], cancellationToken: Cancel))
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
        Assert.Equal(FakeProvider.Answer, streamed.ToString());
    }

    [Fact]
    public async Task AnNpmClientRoutesThroughAutoInBothApis()
    {
        var output = await Support.NodeClients.RunAsync("routed-clients.mjs", server.BaseAddress);
        using var result = JsonDocument.Parse(output);
        var root = result.RootElement;
        Assert.Equal(FakeProvider.Answer, root.GetProperty("ollama").GetProperty("content").GetString());
        Assert.StartsWith("rt_", root.GetProperty("ollama").GetProperty("route").GetString());
        Assert.Equal(FakeProvider.Answer, root.GetProperty("openai").GetProperty("content").GetString());
        Assert.Equal("fake-model", root.GetProperty("openai").GetProperty("model").GetString());
        Assert.StartsWith("rt_", root.GetProperty("openai").GetProperty("route").GetString());
    }

    [Fact]
    public async Task ProfilesAreListedAsModels()
    {
        var tags = await GetJsonAsync("/api/tags");
        var auto = tags.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "auto");
        Assert.Equal("router", auto.GetProperty("details").GetProperty("family").GetString());

        var models = await GetJsonAsync("/v1/models");
        Assert.Contains(models.GetProperty("data").EnumerateArray(), m => m.GetProperty("id").GetString() == "auto");
        Assert.Equal("auto", (await GetJsonAsync("/v1/models/auto")).GetProperty("id").GetString());
    }

    [Fact]
    public async Task RoutesAreListedNewestFirstAndAnUnknownIdIs404()
    {
        await Ndjson.PostOkAsync(server.Http, "/api/chat", new { model = "auto", messages = Hello, stream = false });
        var newest = (await Ndjson.PostOkAsync(server.Http, "/api/chat", new { model = "auto", messages = Hello, stream = false }))
            .GetProperty("takase").GetProperty("id").GetString();

        var recent = (await GetJsonAsync("/api/routes?limit=2")).GetProperty("routes").EnumerateArray().ToList();
        Assert.Equal(2, recent.Count);
        Assert.Equal(newest, recent[0].GetProperty("id").GetString());

        using var missing = await server.Http.GetAsync("/api/routes/rt_000000000000000000000000", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("not found", await missing.Content.ReadAsStringAsync(Cancel));
        using var badLimit = await server.Http.GetAsync("/api/routes?limit=0", Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
    }

    [Fact]
    public async Task SeveralChoicesForAProfileAreRefusedNamingN()
    {
        var (status, body) = await OpenAiHttp.PostAsync(server.Http, "/v1/chat/completions", new { model = "auto", messages = Hello, n = 2 });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("n", body.GetProperty("error").GetProperty("param").GetString());
    }

    private async Task<HttpResponseMessage> PostAsync(string path, object body)
    {
        using var content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        return await server.Http.PostAsync(path, content, Cancel);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.Clone();

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await server.Http.GetAsync(path, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
