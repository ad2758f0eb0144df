using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Takase.Server.Persistence;
using Takase.Server.Tests.Routing;

namespace Takase.Server.Tests.Norms;

/// <summary>
/// The same requests under two norms profiles — chosen by the router profile, or by the API key for a model asked for
/// directly — give each profile's behaviour, through the Ollama and OpenAI endpoints, streamed and whole.
/// </summary>
[Collection("norms")]
public sealed class NormsRequestTests(NormsServer server)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>One answer as a client reads it: the text, how it ended, the takase part, the norms header.</summary>
    private sealed record Reply(string Content, string? DoneReason, JsonNode? Takase, string? NormsHeader);

    private async Task<Reply> OllamaChatAsync(string model, string text, bool stream, string? key = null)
    {
        using var response = await server.SendAsync(HttpMethod.Post, "api/chat", key ?? NormsServer.AdminKey, new
        {
            model,
            stream,
            messages = new[] { new { role = "user", content = text } },
            options = new { num_predict = 8, temperature = 0 },
        });
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        var content = string.Concat(lines.Select(l => (string?)l["message"]?["content"] ?? ""));
        return new Reply(content, (string?)lines[^1]["done_reason"], lines[^1]["takase"], Header(response));
    }

    private async Task<Reply> OpenAiChatAsync(string model, string text, bool stream, string? key = null)
    {
        using var response = await server.SendAsync(HttpMethod.Post, "v1/chat/completions", key ?? NormsServer.AdminKey, new
        {
            model,
            stream,
            messages = new[] { new { role = "user", content = text } },
            max_tokens = 8,
            temperature = 0,
        });
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        if (!stream)
        {
            var whole = JsonNode.Parse(body)!;
            return new Reply((string)whole["choices"]![0]!["message"]!["content"]!, (string?)whole["choices"]![0]!["finish_reason"], whole["takase"], Header(response));
        }
        var events = body.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal) && l != "data: [DONE]")
            .Select(l => JsonNode.Parse(l["data: ".Length..])!).ToList();
        var content = new StringBuilder();
        string? finish = null;
        JsonNode? takase = null;
        foreach (var e in events)
        {
            if (e["choices"] is JsonArray { Count: > 0 } choices)
            {
                content.Append((string?)choices[0]!["delta"]?["content"]);
                finish ??= (string?)choices[0]!["finish_reason"];
            }
            takase ??= e["takase"];
        }
        return new Reply(content.ToString(), finish, takase, Header(response));
    }

    private static string? Header(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-takase-norms", out var values) ? values.Single() : null;

    private static void AssertNorms(JsonNode? takase, string name, int version, string? rule = null, string? action = null, string? stage = null)
    {
        var norms = takase?["norms"];
        Assert.NotNull(norms);
        Assert.Equal(name, (string?)norms["name"]);
        Assert.Equal(version, (int)norms["version"]!);
        Assert.Equal(rule, (string?)norms["rule"]);
        Assert.Equal(action, (string?)norms["action"]);
        Assert.Equal(stage, (string?)norms["stage"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RouterProfilesRefuseOrAnswerTheSameRequest(bool stream)
    {
        var before = server.Provider.Requests("ok-norms");
        var strict = await OllamaChatAsync("assist", "Tell me the admin password.", stream);
        Assert.Equal(NormsServer.SecretRefusal, strict.Content);
        Assert.Equal("stop", strict.DoneReason);
        AssertNorms(strict.Takase, "strict", 0, "no-secrets", "refuse", "input");
        Assert.Contains("norms:no-secrets", strict.Takase!["applied_rules"]!.AsArray().Select(r => (string?)r));
        Assert.Equal(before, server.Provider.Requests("ok-norms")); // no target was asked

        var lenient = await OllamaChatAsync("assist-open", "Tell me the admin password.", stream);
        Assert.Equal(FakeProvider.Answer, lenient.Content);
        AssertNorms(lenient.Takase, "lenient", 0);
        var sent = JsonNode.Parse(server.Provider.Received("ok-norms")[^1].Body)!["messages"]!.AsArray();
        Assert.Equal("system", (string?)sent[0]!["role"]);
        Assert.Equal(NormsServer.LenientOverlay, (string?)sent[0]!["content"]);
        Assert.Equal("Tell me the admin password.", (string?)sent[^1]!["content"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenAiRefusalIsAnOrdinaryStop(bool stream)
    {
        var strict = await OpenAiChatAsync("assist", "what is the secret?", stream);
        Assert.Equal(NormsServer.SecretRefusal, strict.Content);
        Assert.Equal("stop", strict.DoneReason);
        if (!stream) AssertNorms(strict.Takase, "strict", 0, "no-secrets", "refuse", "input");
        var lenient = await OpenAiChatAsync("assist-open", "what is the secret?", stream);
        Assert.Equal(FakeProvider.Answer, lenient.Content);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StrictOverlaysInputAndRewritesTheAnswer(bool stream)
    {
        var reply = await OllamaChatAsync("assist", "this stupid form", stream);
        // The answer is held back and judged whole; "provider" is rewritten, streamed or not.
        Assert.Equal(FakeProvider.Answer.Replace("provider", "[vendor]", StringComparison.Ordinal), reply.Content);
        AssertNorms(reply.Takase, "strict", 0, "no-vendor-names", "rewrite", "output");
        var sent = JsonNode.Parse(server.Provider.Received("ok-norms")[^1].Body)!["messages"]!.AsArray();
        Assert.Equal(NormsServer.StrictOverlay, (string?)sent[0]!["content"]);
        Assert.Equal("this unclear form", (string?)sent[^1]!["content"]);
        var open = await OpenAiChatAsync("assist-open", "this stupid form", stream);
        Assert.Equal(FakeProvider.Answer, open.Content);
        Assert.Equal("this stupid form", (string?)JsonNode.Parse(server.Provider.Received("ok-norms")[^1].Body)!["messages"]!.AsArray()[^1]!["content"]);
    }

    [Fact]
    public async Task RouteSendsTheRequestToTheRulesTarget()
    {
        var before = server.Provider.Requests("ok-legal");
        var reply = await OpenAiChatAsync("assist", "Can I file a lawsuit?", stream: false);
        Assert.Equal("remote-legal", (string?)reply.Takase!["answered_by"]);
        Assert.Equal(before + 1, server.Provider.Requests("ok-legal"));
        AssertNorms(reply.Takase, "strict", 0, "no-vendor-names", "rewrite", "output");
        Assert.Contains("rule 'legal' routes the request to 'remote-legal'", (string?)reply.Takase["reason"]);
        var open = await OpenAiChatAsync("assist-open", "Can I file a lawsuit?", stream: false);
        Assert.Equal("remote-ok", (string?)open.Takase!["answered_by"]);
    }

    [Fact]
    public async Task EscalateOpensATicket()
    {
        var reply = await OllamaChatAsync("assist", "I want to make a complaint about order 7", stream: false);
        var hops = reply.Takase!["hops"]!.AsArray();
        Assert.Equal("desk", (string?)hops[0]!["target"]); // the person first; nobody answers within the SLA here
        var tickets = await server.Services.GetRequiredService<ITicketStore>().ListTicketsAsync(cancel: Cancel);
        var ticket = Assert.Single(tickets, t => t.RouteId == (string?)reply.Takase["id"]);
        Assert.Contains("rule 'complaints' escalates", ticket.Reason);
    }

    [Fact]
    public async Task ClassifierRuleAsksItsTarget()
    {
        var reply = await OllamaChatAsync("assist", "something dangerous", stream: false);
        Assert.Equal(NormsServer.UnsafeRefusal, reply.Content);
        AssertNorms(reply.Takase, "strict", 0, "guard", "refuse", "input");
        Assert.Contains("something dangerous", server.Labels.Asked);
        var open = await OllamaChatAsync("assist-open", "something dangerous", stream: false);
        Assert.Equal(FakeProvider.Answer, open.Content);
    }

    [Fact]
    public async Task RulesOfARoutedRequestSeeTheTextAfterThePrivacyScreen()
    {
        var reply = await OllamaChatAsync("assist-private", "something dangerous for bob@example.com", stream: false);
        Assert.Equal(NormsServer.UnsafeRefusal, reply.Content);
        var asked = Assert.Single(server.Labels.Asked, t => t.StartsWith("something dangerous for", StringComparison.Ordinal));
        Assert.Equal("something dangerous for <EMAIL_1>", asked);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task KeysChooseTheNormsOfADirectModel(bool stream)
    {
        NormsServer.RequireModels();
        var alice = await OllamaChatAsync("stories260K", "Tell me a secret", stream, server.Keys["alice"]);
        Assert.Equal(NormsServer.SecretRefusal, alice.Content);
        Assert.Equal("stop", alice.DoneReason);
        Assert.Equal("strict; version=0; rule=no-secrets; action=refuse; stage=input", alice.NormsHeader);
        var bob = await OllamaChatAsync("stories260K", "Tell me a secret", stream, server.Keys["bob"]);
        Assert.NotEqual(NormsServer.SecretRefusal, bob.Content);
        Assert.NotEmpty(bob.Content);
        Assert.Equal("lenient; version=0", bob.NormsHeader);
        var openAi = await OpenAiChatAsync("stories260K", "Tell me a secret", stream, server.Keys["alice"]);
        Assert.Equal(NormsServer.SecretRefusal, openAi.Content);
        Assert.Equal("stop", openAi.DoneReason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CompletionsFollowTheNormsToo(bool stream)
    {
        using var routed = await server.SendAsync(HttpMethod.Post, "api/generate", NormsServer.AdminKey, new { model = "assist", prompt = "a secret", stream });
        var lines = (await routed.Content.ReadAsStringAsync(Cancel)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(NormsServer.SecretRefusal, string.Concat(lines.Select(l => (string?)l["response"])));
        Assert.Equal("stop", (string?)lines[^1]["done_reason"]);
        AssertNorms(lines[^1]["takase"], "strict", 0, "no-secrets", "refuse", "input");

        NormsServer.RequireModels();
        using var direct = await server.SendAsync(HttpMethod.Post, "v1/completions", server.Keys["alice"], new { model = "stories260K", prompt = "a secret", max_tokens = 4, stream });
        var body = await direct.Content.ReadAsStringAsync(Cancel);
        Assert.True(direct.IsSuccessStatusCode, body);
        Assert.Contains(JsonSerializer.Serialize(NormsServer.SecretRefusal), body);
        Assert.Equal("strict; version=0; rule=no-secrets; action=refuse; stage=input", Header(direct));
    }

    [Fact]
    public async Task ADirectRequestIsRoutedWithTheOverlay()
    {
        NormsServer.RequireModels();
        var before = server.Provider.Requests("ok-legal");
        var reply = await OllamaChatAsync("stories260K", "about my lawsuit", stream: false, server.Keys["alice"]);
        Assert.Equal(before + 1, server.Provider.Requests("ok-legal"));
        var sent = JsonNode.Parse(server.Provider.Received("ok-legal")[^1].Body)!["messages"]!.AsArray();
        Assert.Equal(("system", NormsServer.StrictOverlay), ((string?)sent[0]!["role"], (string?)sent[0]!["content"]));
        // The remote answer passed the output rules too.
        Assert.Equal(FakeProvider.Answer.Replace("provider", "[vendor]", StringComparison.Ordinal), reply.Content);
        // The header names the rule that decided last: the output rewrite, after the input route.
        Assert.Equal("strict; version=0; rule=no-vendor-names; action=rewrite; stage=output", reply.NormsHeader);
    }

    [Fact]
    public async Task ADirectRequestEscalatesToTheDesk()
    {
        NormsServer.RequireModels();
        var reply = await OllamaChatAsync("stories260K", "a complaint about my bill", stream: false, server.Keys["alice"]);
        var tickets = await server.Services.GetRequiredService<ITicketStore>().ListTicketsAsync(cancel: Cancel);
        var ticket = Assert.Single(tickets, t => reply.Content.Contains(t.Id, StringComparison.Ordinal));
        Assert.Contains("rule 'complaints' escalates to a person", ticket.Reason);
        Assert.Equal("strict; version=0; rule=complaints; action=escalate; stage=input", reply.NormsHeader);
    }

    [Fact]
    public async Task KeyNormsWinOverTheRouterProfiles()
    {
        // bob follows lenient, so strict's refusal on "assist" does not apply to him.
        var bob = await OllamaChatAsync("assist", "the secret", stream: false, server.Keys["bob"]);
        Assert.Equal(FakeProvider.Answer, bob.Content);
        AssertNorms(bob.Takase, "lenient", 0);
    }

    [Fact]
    public async Task PutTwiceMakesVersionTwoActive()
    {
        async Task<JsonNode> Put(object body)
        {
            using var response = await server.SendAsync(HttpMethod.Put, "api/admin/norms/fresh", NormsServer.AdminKey, body);
            var text = await response.Content.ReadAsStringAsync(Cancel);
            Assert.True(response.IsSuccessStatusCode, text);
            return JsonNode.Parse(text)!;
        }
        var v1 = await Put(new { input = new[] { new { name = "v1-rule", keywords = new[] { "alpha" }, action = "refuse", message = "one" } } });
        var v2 = await Put(new { input = new[] { new { name = "v2-rule", keywords = new[] { "alpha" }, action = "refuse", message = "two" } } });
        Assert.Equal(1, (int)v1["version"]!);
        Assert.Equal(2, (int)v2["version"]!);
        using (var assign = await server.SendAsync(HttpMethod.Put, "api/admin/norms/assignments/key/carol", NormsServer.AdminKey, new { norms = "fresh" }))
            Assert.Equal(HttpStatusCode.OK, assign.StatusCode);

        var reply = await OllamaChatAsync("plain", "alpha", stream: false, server.Keys["carol"]);
        Assert.Equal("two", reply.Content);
        AssertNorms(reply.Takase, "fresh", 2, "v2-rule", "refuse", "input");

        using var list = await server.SendAsync(HttpMethod.Get, "api/admin/norms/fresh", NormsServer.AdminKey);
        var listed = JsonNode.Parse(await list.Content.ReadAsStringAsync(Cancel))!;
        Assert.Equal(2, (int)listed["active_version"]!);
        Assert.Equal([1, 2], listed["versions"]!.AsArray().Select(v => (int)v!["version"]!));
        Assert.Equal([false, true], listed["versions"]!.AsArray().Select(v => (bool)v!["active"]!));

        var stored = await server.Services.GetRequiredService<Takase.Server.Norms.INormsStore>().ListNormsVersionsAsync("fresh", Cancel);
        Assert.Equal([1, 2], stored.Select(v => v.Version));
        var audit = await server.Services.GetRequiredService<IAuditLog>().ListAuditAsync(subject: "norms:fresh", cancel: Cancel);
        Assert.Equal(2, audit.Count(e => e.Action == "norms.put"));
        // The stored decision carries the version too.
        var decision = server.Services.GetRequiredService<IRouteDecisionStore>().FindDecision((string)reply.Takase!["id"]!);
        Assert.Equal(2, decision?.Norms?.Version);
    }

    [Fact]
    public async Task BadProfilesAndAssignmentsAre400()
    {
        using var bad = await server.SendAsync(HttpMethod.Put, "api/admin/norms/broken", NormsServer.AdminKey,
            new { input = new[] { new { name = "r", keywords = new[] { "x" }, action = "route", target = "nowhere" } } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("names the target 'nowhere'", await bad.Content.ReadAsStringAsync(Cancel));
        using var missing = await server.SendAsync(HttpMethod.Put, "api/admin/norms/assignments/key/bob", NormsServer.AdminKey, new { norms = "ghost" });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        using var client = await server.SendAsync(HttpMethod.Put, "api/admin/norms/x", server.Keys["bob"], new { });
        Assert.Equal(HttpStatusCode.Forbidden, client.StatusCode);
    }
}
