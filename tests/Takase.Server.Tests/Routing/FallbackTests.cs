using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Takase.Server.Tests.Ollama;

namespace Takase.Server.Tests.Routing;

/// <summary>
/// A remote target that fails — 500, 429, a hang, garbage, a context-length 400 — before its first token costs one hop
/// and the answer comes from the next candidate (the local stories260K); a failure after the first token ends the
/// stream with an error instead; repeated failures open the target's circuit; a human target is skipped until the
/// operator queue exists. Every hop is in the explanation.
/// </summary>
[Collection("routed")]
public sealed class FallbackTests(RoutedServer server)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
    private static readonly object Greedy = new { temperature = 0, num_predict = 6 };
    private static readonly object[] Story = [new { role = "user", content = "Once upon a time" }];

    public static TheoryData<string, string, bool> Failures => new()
    {
        { "500", "error", false }, { "500", "error", true },
        { "429", "rate_limited", false }, { "429", "rate_limited", true },
        { "hang", "timeout", false }, { "hang", "timeout", true },
        { "garbage", "error", false }, { "garbage", "error", true },
        { "context", "context_length", false }, { "context", "context_length", true },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task AFailingRemoteFallsBackToTheNextCandidate(string mode, string outcome, bool stream)
    {
        server.RequireModels();
        var clock = Stopwatch.StartNew();
        var name = stream ? mode + "-s" : mode;
        var request = new { model = $"fb-{name}", messages = Story, stream, options = Greedy };
        var final = stream
            ? (await Ndjson.StreamAsync(server.Http, "/api/chat", request))[^1]
            : await Ndjson.PostOkAsync(server.Http, "/api/chat", request);
        var elapsed = clock.Elapsed;

        Assert.True(final.GetProperty("done").GetBoolean());
        Assert.StartsWith("stories260K", final.GetProperty("model").GetString());
        var takase = final.GetProperty("takase");
        Assert.Equal("local", takase.GetProperty("answered_by").GetString());
        var hops = takase.GetProperty("hops").EnumerateArray().ToList();
        Assert.Equal(2, hops.Count);
        Assert.Equal(($"remote-{name}", outcome), (hops[0].GetProperty("target").GetString(), hops[0].GetProperty("outcome").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(hops[0].GetProperty("error").GetString()));
        Assert.Equal(("local", "ok"), (hops[1].GetProperty("target").GetString(), hops[1].GetProperty("outcome").GetString()));
        if (mode == "hang")
        {
            // The hanging provider was given up on at its target's timeout, not at some longer default.
            var waited = TimeSpan.FromMilliseconds(hops[0].GetProperty("elapsed_ms").GetDouble());
            Assert.InRange(waited, RoutedServer.HangTimeout * 0.9, RoutedServer.HangTimeout * 3);
            Assert.True(elapsed < TimeSpan.FromSeconds(30), $"the hang cost {elapsed}");
        }

        // The stored decision has the same hops.
        var stored = await GetJsonAsync($"/api/routes/{takase.GetProperty("id").GetString()}");
        Assert.Equal([$"remote-{name}", "local"], stored.GetProperty("hops").EnumerateArray().Select(h => h.GetProperty("target").GetString()));
    }

    [Fact]
    public async Task OpenAiFallsBackToo_TheHeaderAndTheLastChunkNameTheRoute()
    {
        server.RequireModels();
        using var content = new StringContent(JsonSerializer.Serialize(new
        {
            model = "fb-openai",
            messages = Story,
            stream = true,
            max_tokens = 6,
            temperature = 0,
        }), Encoding.UTF8, "application/json");
        using var response = await server.Http.PostAsync("/v1/chat/completions", content, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = Assert.Single(response.Headers.GetValues("x-takase-route-id"));
        var events = Events(text);
        Assert.All(events, e => Assert.StartsWith("stories260K", e.GetProperty("model").GetString()));
        var takase = events[^1].GetProperty("takase");
        Assert.Equal(id, takase.GetProperty("id").GetString());
        Assert.Equal(["error", "ok"], takase.GetProperty("hops").EnumerateArray().Select(h => h.GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task AFailureAfterTheFirstTokenEndsTheStreamWithAnErrorAndNoFallback()
    {
        using var content = new StringContent(JsonSerializer.Serialize(new { model = "fb-cut", messages = Story, stream = true, max_tokens = 6 }),
            Encoding.UTF8, "application/json");
        using var response = await server.Http.PostAsync("/v1/chat/completions", content, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = Events(text);
        // The provider's first words reached the client, then the error: the local target never answered.
        Assert.Contains(events, e => e.TryGetProperty("choices", out var c) && c.GetArrayLength() > 0
            && c[0].GetProperty("delta").TryGetProperty("content", out var d) && d.GetString() == "Hello ");
        Assert.True(events[^1].TryGetProperty("error", out var error), text);
        Assert.Contains("remote-cut", error.GetProperty("message").GetString());
        Assert.Contains("finish_reason", error.GetProperty("message").GetString());

        var stored = await GetJsonAsync($"/api/routes/{Assert.Single(response.Headers.GetValues("x-takase-route-id"))}");
        var hop = Assert.Single(stored.GetProperty("hops").EnumerateArray());
        Assert.Equal(("remote-cut", "error"), (hop.GetProperty("target").GetString(), hop.GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task RepeatedFailuresOpenTheCircuitAndTheTargetIsNoLongerTried()
    {
        server.RequireModels();
        var request = new { model = "breaker", messages = Story, stream = false, options = Greedy };
        for (var i = 0; i < 2; i++)
        {
            var failing = (await Ndjson.PostOkAsync(server.Http, "/api/chat", request)).GetProperty("takase");
            Assert.Equal(["error", "ok"], failing.GetProperty("hops").EnumerateArray().Select(h => h.GetProperty("outcome").GetString()));
        }
        Assert.Equal(2, server.Provider.Requests("500-breaker"));

        var takase = (await Ndjson.PostOkAsync(server.Http, "/api/chat", request)).GetProperty("takase");
        var hops = takase.GetProperty("hops").EnumerateArray().ToList();
        Assert.Equal(("remote-breaker", "circuit_open"), (hops[0].GetProperty("target").GetString(), hops[0].GetProperty("outcome").GetString()));
        Assert.Equal(("local", "ok"), (hops[1].GetProperty("target").GetString(), hops[1].GetProperty("outcome").GetString()));
        var excluded = takase.GetProperty("candidates").EnumerateArray().Single(c => c.GetProperty("target").GetString() == "remote-breaker");
        Assert.False(excluded.GetProperty("eligible").GetBoolean());
        Assert.Contains("circuit", excluded.GetProperty("excluded_because").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, server.Provider.Requests("500-breaker")); // not called again

        var targets = await GetJsonAsync("/api/router/targets");
        var breaker = targets.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "remote-breaker");
        Assert.Equal("open", breaker.GetProperty("circuit").GetString());
    }

    [Fact]
    public async Task WhenNoTargetCanAnswerTheErrorListsEveryHopAndNamesTheRoute()
    {
        using var content = new StringContent(JsonSerializer.Serialize(new { model = "all-fail", messages = Story }), Encoding.UTF8, "application/json");
        using var response = await server.Http.PostAsync("/v1/chat/completions", content, Cancel);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = body.RootElement.GetProperty("error");
        Assert.Equal("all_targets_failed", error.GetProperty("code").GetString());
        Assert.Contains("remote-all: error", error.GetProperty("message").GetString());
        Assert.Contains("desk: sla_timeout", error.GetProperty("message").GetString());
        var stored = await GetJsonAsync($"/api/routes/{Assert.Single(response.Headers.GetValues("x-takase-route-id"))}");
        Assert.Equal(["error", "sla_timeout"], stored.GetProperty("hops").EnumerateArray().Select(h => h.GetProperty("outcome").GetString()));

        var (status, ollama) = await Ndjson.PostAsync(server.Http, "/api/chat", new { model = "all-fail", messages = Story, stream = false });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("no target of router profile 'all-fail' could answer", ollama.GetProperty("error").GetString());
    }

    [Fact]
    public async Task AHumanTargetNobodyAnswersWithinItsSlaFallsToTheNextCandidate()
    {
        server.RequireModels();
        var takase = (await Ndjson.PostOkAsync(server.Http, "/api/chat", new { model = "desk-first", messages = Story, stream = false, options = Greedy }))
            .GetProperty("takase");
        var hops = takase.GetProperty("hops").EnumerateArray().ToList();
        Assert.Equal(("desk", "sla_timeout"), (hops[0].GetProperty("target").GetString(), hops[0].GetProperty("outcome").GetString()));
        Assert.Contains("no operator answered within the SLA", hops[0].GetProperty("error").GetString());
        Assert.Equal("local", takase.GetProperty("answered_by").GetString());
    }

    private static List<JsonElement> Events(string sse) =>
        [.. sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(e => e.StartsWith("data: {", StringComparison.Ordinal))
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.Clone())];

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await server.Http.GetAsync(path, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
