using Takase.Server.Tests.Ollama;

namespace Takase.Server.Tests.Routing;

/// <summary>
/// Cascade profiles: the local model answers first, whole and with token log-probabilities, and the answer is kept or
/// escalated to the remote target by its mean log-probability or by a verifier target's yes/no; an escalation is a
/// "low_confidence" hop, and the client sees only the answer that was kept.
/// </summary>
[Collection("routed")]
public sealed class CascadeTests(RoutedServer server)
{
    private static readonly object Greedy = new { temperature = 0, num_predict = 6 };
    private static readonly object[] Story = [new { role = "user", content = "Once upon a time" }];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ALowConfidenceAnswerEscalatesToTheNextTier(bool stream)
    {
        server.RequireModels();
        var request = new { model = "cascade-up", messages = Story, stream, options = Greedy };
        var lines = stream ? await Ndjson.StreamAsync(server.Http, "/api/chat", request) : [await Ndjson.PostOkAsync(server.Http, "/api/chat", request)];

        Assert.Equal(FakeProvider.Answer, string.Concat(lines.Select(l => l.GetProperty("message").GetProperty("content").GetString())));
        Assert.All(lines, l => Assert.Equal("fake-model", l.GetProperty("model").GetString()));
        var hops = lines[^1].GetProperty("takase").GetProperty("hops").EnumerateArray().ToList();
        Assert.Equal([("local", "low_confidence"), ("remote-ok", "ok")],
            hops.Select(h => (h.GetProperty("target").GetString(), h.GetProperty("outcome").GetString())));
        Assert.Contains("mean token log-probability", hops[0].GetProperty("error").GetString());
    }

    [Fact]
    public async Task AConfidentAnswerIsKeptWithoutTheLogprobsTheCascadeAskedFor()
    {
        server.RequireModels();
        var body = await Ndjson.PostOkAsync(server.Http, "/api/chat", new { model = "cascade-keep", messages = Story, stream = false, options = Greedy });

        Assert.StartsWith("stories260K", body.GetProperty("model").GetString());
        Assert.Equal(6, body.GetProperty("eval_count").GetInt32());
        Assert.False(body.TryGetProperty("logprobs", out _), "the client did not ask for log-probabilities");
        var hop = Assert.Single(body.GetProperty("takase").GetProperty("hops").EnumerateArray());
        Assert.Equal(("local", "ok"), (hop.GetProperty("target").GetString(), hop.GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task AVerifierWithoutAClearYesEscalates()
    {
        server.RequireModels();
        var before = server.Provider.Requests("ok");
        var body = await Ndjson.PostOkAsync(server.Http, "/api/chat", new { model = "cascade-verified", messages = Story, stream = false, options = Greedy });

        var hops = body.GetProperty("takase").GetProperty("hops").EnumerateArray().ToList();
        Assert.Equal(("local", "low_confidence"), (hops[0].GetProperty("target").GetString(), hops[0].GetProperty("outcome").GetString()));
        Assert.Contains("verifier 'remote-ok'", hops[0].GetProperty("error").GetString());
        Assert.Equal("remote-ok", body.GetProperty("takase").GetProperty("answered_by").GetString());
        Assert.Equal(before + 2, server.Provider.Requests("ok")); // the verifier's question, then the escalated answer
    }
}
