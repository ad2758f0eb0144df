using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using Takase.Server.Persistence;
using Takase.Server.Tests.Routing;
using System.ClientModel;

namespace Takase.Server.Tests.Operators;

/// <summary>
/// Requests that reach a human target, end to end over real HTTP: the ticket opens with the conversation, route and
/// reason; the client waits (a status chunk first when streaming) and receives the operator's answer through the same
/// API; or asks not to wait and polls; or, when the SLA passes, gets the fallback target's answer.
/// </summary>
[Collection("operators")]
public sealed class HumanTargetTests(OperatorServer server)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static HttpRequestMessage Post(string path, object body, bool async = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (async) request.Headers.Add("Prefer", "respond-async");
        return request;
    }

    private static object Chat(string profile, string question, bool stream) =>
        new { model = profile, messages = new[] { new { role = "user", content = question } }, stream };

    [Fact]
    public async Task Router_choice_streams_a_status_chunk_then_the_operators_answer_on_the_Ollama_API()
    {
        const string question = "Where is my parcel? (ollama stream)";
        using var response = await server.Http.SendAsync(Post("api/chat", Chat("to-desk", question, stream: true)), HttpCompletionOption.ResponseHeadersRead, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("x-takase-route-id"));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Cancel));
        using var status = JsonDocument.Parse((await reader.ReadLineAsync(Cancel))!);
        var takase = status.RootElement.GetProperty("takase");
        Assert.Equal("waiting_for_operator", takase.GetProperty("status").GetString());
        Assert.Equal("", status.RootElement.GetProperty("message").GetProperty("content").GetString());
        Assert.False(status.RootElement.GetProperty("done").GetBoolean());
        var ticketId = takase.GetProperty("ticket_id").GetString()!;

        await server.AnswerAsync(ticketId, "It arrives tomorrow.", Cancel);

        var text = new StringBuilder();
        JsonElement last = default;
        while (await reader.ReadLineAsync(Cancel) is { } line)
        {
            last = JsonDocument.Parse(line).RootElement.Clone();
            text.Append(last.GetProperty("message").GetProperty("content").GetString());
        }
        Assert.Equal("It arrives tomorrow.", text.ToString());
        Assert.True(last.GetProperty("done").GetBoolean());
        var explanation = last.GetProperty("takase");
        Assert.Equal("desk", explanation.GetProperty("answered_by").GetString());
        Assert.Equal([("desk", "ok")], explanation.GetProperty("hops").EnumerateArray().Select(h => (h.GetProperty("target").GetString(), h.GetProperty("outcome").GetString())));

        // The ticket holds the conversation, the route and why; its view carries the explanation.
        var view = await server.TicketAsync(ticketId, Cancel);
        Assert.Equal(explanation.GetProperty("id").GetString(), view.GetProperty("ticket").GetProperty("route_id").GetString());
        Assert.Equal("to-desk", view.GetProperty("ticket").GetProperty("profile").GetString());
        Assert.Equal(explanation.GetProperty("reason").GetString(), view.GetProperty("ticket").GetProperty("reason").GetString());
        Assert.Equal(explanation.GetProperty("id").GetString(), view.GetProperty("route").GetProperty("id").GetString());
        Assert.Equal(question, view.GetProperty("messages")[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Router_choice_streams_on_the_OpenAI_API_through_the_OpenAI_SDK()
    {
        const string question = "Where is my parcel? (openai sdk)";
        var client = new ChatClient("to-desk", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "v1") });
        var answering = Task.Run(async () =>
        {
            var ticket = await server.TicketOfAsync(question, Cancel);
            await server.AnswerAsync(ticket, "Tomorrow, before noon.", Cancel);
        }, Cancel);
        var text = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage(question)], cancellationToken: Cancel))
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
        await answering;
        Assert.Equal("Tomorrow, before noon.", text.ToString());
    }

    [Fact]
    public async Task The_OpenAI_stream_starts_with_an_empty_delta_carrying_the_status()
    {
        const string question = "Where is my parcel? (openai sse)";
        using var response = await server.Http.SendAsync(Post("v1/chat/completions", Chat("to-desk", question, stream: true)), HttpCompletionOption.ResponseHeadersRead, Cancel);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Cancel));
        var first = await reader.ReadLineAsync(Cancel);
        Assert.StartsWith("data: ", first);
        using var status = JsonDocument.Parse(first!["data: ".Length..]);
        Assert.Equal("", status.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
        var ticketId = status.RootElement.GetProperty("takase").GetProperty("ticket_id").GetString()!;
        Assert.Equal("waiting_for_operator", status.RootElement.GetProperty("takase").GetProperty("status").GetString());

        await server.AnswerAsync(ticketId, "Tomorrow.", Cancel);
        var text = new StringBuilder();
        JsonElement? explanation = null;
        while (await reader.ReadLineAsync(Cancel) is { } line)
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
            var chunk = JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
            if (chunk.GetProperty("choices") is { ValueKind: JsonValueKind.Array } choices && choices.GetArrayLength() > 0
                && choices[0].GetProperty("delta").TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String)
                text.Append(c.GetString());
            if (chunk.TryGetProperty("takase", out var t) && t.TryGetProperty("hops", out _)) explanation = t;
        }
        Assert.Equal("Tomorrow.", text.ToString());
        Assert.Equal("desk", explanation!.Value.GetProperty("answered_by").GetString());
    }

    [Fact]
    public async Task A_non_streamed_request_waits_and_returns_the_answer_normally_and_an_AI_draft_is_prepared()
    {
        const string question = "Can you waive the late fee? (whole)";
        var request = server.Http.PostAsJsonAsync("api/chat", Chat("to-desk", question, stream: false), Cancel);
        var ticketId = await server.TicketOfAsync(question, Cancel);
        // The desk's draft target (remote-ok) writes a draft for the operator in the background.
        if (server.Desk.DraftInProgress(ticketId) is { } drafting) await drafting.WaitAsync(Cancel);
        var view = await server.TicketAsync(ticketId, Cancel);
        Assert.Equal(FakeProvider.Answer, view.GetProperty("draft").GetString());
        Assert.True(view.GetProperty("ticket").GetProperty("has_draft").GetBoolean());
        Assert.Equal("remote-ok", view.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("role").GetString() == "draft").GetProperty("author").GetString());

        // The operator rewrites the draft: the client gets the rewrite, and the edit is feedback for the router.
        await server.AnswerAsync(ticketId, "Yes, waived this once.", Cancel);
        using var response = await request;
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("Yes, waived this once.", body.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("desk", body.GetProperty("takase").GetProperty("answered_by").GetString());
        var edits = await server.Services.GetRequiredService<IFeedbackStore>().ListFeedbackAsync(cancel: Cancel);
        var edit = Assert.Single(edits, f => f.TicketId == ticketId);
        Assert.Equal((FeedbackKind.Edit, FakeProvider.Answer, "Yes, waived this once.", "remote-ok"), (edit.Kind, edit.Answer, edit.EditedText, edit.Target));
    }

    [Fact]
    public async Task A_Require_rule_sends_a_complaint_to_the_desk_and_respond_async_returns_the_ticket_to_poll()
    {
        const string question = "I have a complaint about my bill";
        using var response = await server.Http.SendAsync(Post("api/chat", Chat("support", question, stream: false), async: true), Cancel);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var ticketId = accepted.GetProperty("ticket_id").GetString()!;
        Assert.Equal($"/api/tickets/{ticketId}", accepted.GetProperty("status_url").GetString());

        var view = await server.TicketAsync(ticketId, Cancel);
        Assert.Contains("complaint", view.GetProperty("route").GetProperty("applied_rules").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(["desk"], view.GetProperty("route").GetProperty("order").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(("desk", "queued"), (view.GetProperty("route").GetProperty("hops")[0].GetProperty("target").GetString(),
            view.GetProperty("route").GetProperty("hops")[0].GetProperty("outcome").GetString()));

        var before = await server.Http.GetFromJsonAsync<JsonElement>(accepted.GetProperty("status_url").GetString()!.TrimStart('/'), Cancel);
        Assert.Equal(("waiting", JsonValueKind.Null), (before.GetProperty("status").GetString(), before.GetProperty("answer").ValueKind));
        await server.AnswerAsync(ticketId, "Sorry about that; refunded.", Cancel);
        var after = await server.Http.GetFromJsonAsync<JsonElement>($"api/tickets/{ticketId}", Cancel);
        Assert.Equal(("answered", "Sorry about that; refunded."), (after.GetProperty("status").GetString(), after.GetProperty("answer").GetString()));
    }

    [Fact]
    public async Task A_follow_up_to_an_answered_ticket_goes_on_in_that_ticket_and_gets_the_next_answer()
    {
        const string first = "My order never arrived (follow-up)";
        using var opened = await server.Http.SendAsync(Post("api/chat", Chat("to-desk", first, stream: false), async: true), Cancel);
        Assert.Equal(HttpStatusCode.Accepted, opened.StatusCode);
        var ticketId = (await opened.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("ticket_id").GetString()!;
        await server.AnswerAsync(ticketId, "Which order number?", Cancel);

        // The client sends the whole conversation again, the operator's answer as the assistant turn, plus its reply.
        var followUp = new
        {
            model = "to-desk",
            stream = false,
            messages = new[]
            {
                new { role = "user", content = first }, new { role = "assistant", content = "Which order number?" },
                new { role = "user", content = "It is 4711." },
            },
        };
        var waiting = server.Http.PostAsJsonAsync("api/chat", followUp, Cancel);
        var view = await server.TicketAsync(ticketId, Cancel);
        for (var i = 0; i < 100 && view.GetProperty("ticket").GetProperty("status").GetString() != "waiting"; i++)
        {
            await Task.Delay(50, Cancel);
            view = await server.TicketAsync(ticketId, Cancel);
        }
        Assert.Equal("waiting", view.GetProperty("ticket").GetProperty("status").GetString());
        Assert.Equal("It is 4711.", view.GetProperty("messages").EnumerateArray().Last(m => m.GetProperty("role").GetString() != "draft").GetProperty("content").GetString());
        await server.AnswerAsync(ticketId, "Found it: it ships today.", Cancel);
        using var response = await waiting;
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("Found it: it ships today.", body.GetProperty("message").GetProperty("content").GetString());
        // One thread: no second ticket holds the follow-up.
        var store = server.Services.GetRequiredService<ITicketStore>();
        var holding = new List<string>();
        foreach (var t in await store.ListTicketsAsync(null, 10_000, Cancel))
            if ((await store.ListMessagesAsync(t.Id, Cancel)).Any(m => m.Content == "It is 4711.")) holding.Add(t.Id);
        Assert.Equal([ticketId], holding);
        Assert.Equal(["user", "operator", "user", "operator"],
            (await store.ListMessagesAsync(ticketId, Cancel)).Where(m => m.Role != "draft").Select(m => m.Role));
    }

    [Theory]
    [InlineData("Can I talk to a human, please?", "talk to a human")]
    [InlineData("I want to speak to a person now", "speak to a person")]
    [InlineData("ＯＰＥＲＡＴＯＲ please", "operator")]
    [InlineData("人間と話したいです。", "人間と話したい")]
    [InlineData("ｵﾍﾟﾚｰﾀｰにつないでください", "オペレーター")]
    [InlineData("担当者をお願いします", "担当者")]
    public async Task Asking_for_a_person_hands_the_request_to_the_desk(string question, string phrase)
    {
        using var response = await server.Http.SendAsync(Post("api/chat", Chat("support", question, stream: false), async: true), Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        var ticketId = JsonDocument.Parse(text).RootElement.GetProperty("ticket_id").GetString()!;
        var view = await server.TicketAsync(ticketId, Cancel);
        Assert.Contains($"\"{phrase}\"", view.GetProperty("ticket").GetProperty("reason").GetString());
        Assert.Contains("handoff:request", view.GetProperty("route").GetProperty("applied_rules").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(view.GetProperty("ticket").GetProperty("reason").GetString(), view.GetProperty("route").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_word_that_only_contains_a_phrase_does_not_hand_over()
    {
        using var response = await server.Http.PostAsJsonAsync("api/chat", Chat("support", "Our cooperator program: how does it work?", stream: false), Cancel);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal(FakeProvider.Answer, body.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("remote-ok", body.GetProperty("takase").GetProperty("answered_by").GetString());
    }

    [Fact]
    public async Task When_the_SLA_passes_the_fallback_answers_and_the_ticket_stays_open()
    {
        const string question = "Is anyone there? (sla)";
        var started = DateTime.UtcNow;
        using var response = await server.Http.PostAsJsonAsync("api/chat", Chat("sla", question, stream: false), Cancel);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.True(DateTime.UtcNow - started >= OperatorServer.QuickSla);
        Assert.Equal(FakeProvider.Answer, body.GetProperty("message").GetProperty("content").GetString());
        var hops = body.GetProperty("takase").GetProperty("hops").EnumerateArray().ToList();
        Assert.Equal([("desk-quick", "sla_timeout"), ("remote-ok", "ok")], hops.Select(h => (h.GetProperty("target").GetString(), h.GetProperty("outcome").GetString())));
        Assert.Contains("SLA", hops[0].GetProperty("error").GetString());

        var ticketId = await server.TicketOfAsync(question, Cancel);
        var ticket = await server.Desk.Tickets.FindTicketAsync(ticketId, Cancel);
        Assert.Equal(TicketStatus.Waiting, ticket!.Status);
        // The operator can still answer; the poll endpoint shows it.
        await server.AnswerAsync(ticketId, "Sorry for the wait.", Cancel);
        var poll = await server.Http.GetFromJsonAsync<JsonElement>($"api/tickets/{ticketId}", Cancel);
        Assert.Equal("Sorry for the wait.", poll.GetProperty("answer").GetString());
    }

    [Fact]
    public async Task A_streamed_SLA_fallback_follows_the_status_chunk_with_the_fallbacks_answer()
    {
        const string question = "Is anyone there? (sla stream)";
        using var response = await server.Http.SendAsync(Post("api/generate", new { model = "sla", prompt = question, stream = true }), HttpCompletionOption.ResponseHeadersRead, Cancel);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Cancel));
        var lines = new List<JsonElement>();
        while (await reader.ReadLineAsync(Cancel) is { } line) lines.Add(JsonDocument.Parse(line).RootElement.Clone());
        Assert.Equal("waiting_for_operator", lines[0].GetProperty("takase").GetProperty("status").GetString());
        Assert.Equal(FakeProvider.Answer, string.Concat(lines.Skip(1).Select(l => l.GetProperty("response").GetString())));
        Assert.Equal(["sla_timeout", "ok"], lines[^1].GetProperty("takase").GetProperty("hops").EnumerateArray().Select(h => h.GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task An_answer_written_by_another_node_reaches_the_waiting_client_and_a_client_that_leaves_keeps_its_ticket()
    {
        const string question = "Any update? (other node)";
        var request = server.Http.PostAsJsonAsync("api/chat", Chat("to-desk", question, stream: false), Cancel);
        var ticketId = await server.TicketOfAsync(question, Cancel);
        // Straight into the store, as another node would: no in-process signal, only the re-check finds it.
        await server.Desk.Tickets.AddMessageAsync(ticketId, TicketMessage.New("operator", "Answered elsewhere.", "bob"), Cancel);
        using (var response = await request)
            Assert.Equal("Answered elsewhere.", (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("message").GetProperty("content").GetString());

        const string leaving = "Never mind (leaving)";
        using (var gone = new CancellationTokenSource())
        {
            var abandoned = server.Http.PostAsJsonAsync("api/chat", Chat("to-desk", leaving, stream: false), gone.Token);
            var left = await server.TicketOfAsync(leaving, Cancel);
            await gone.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
            Assert.Equal(TicketStatus.Waiting, (await server.Desk.Tickets.FindTicketAsync(left, Cancel))!.Status);
            await server.AnswerAsync(left, "Here when you are back.", Cancel);
            var poll = await server.Http.GetFromJsonAsync<JsonElement>($"api/tickets/{left}", Cancel);
            Assert.Equal("Here when you are back.", poll.GetProperty("answer").GetString());
        }
    }

    [Fact]
    public async Task A_cascade_whose_answers_stay_low_confidence_escalates_to_the_desk()
    {
        using var response = await server.Http.SendAsync(Post("api/chat", Chat("cascade-desk", "Is this covered by my warranty?", stream: false), async: true), Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        var view = await server.TicketAsync(JsonDocument.Parse(text).RootElement.GetProperty("ticket_id").GetString()!, Cancel);
        Assert.Equal([("remote-ok", "low_confidence"), ("desk", "queued")], view.GetProperty("route").GetProperty("hops").EnumerateArray()
            .Select(h => (h.GetProperty("target").GetString(), h.GetProperty("outcome").GetString())));
        Assert.StartsWith("the cascade's answers stayed low-confidence", view.GetProperty("ticket").GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData("api/chat")]
    [InlineData("v1/chat/completions")]
    public async Task A_stream_that_began_waiting_ends_with_an_error_line_when_the_fallback_fails_too(string path)
    {
        using var response = await server.Http.SendAsync(Post(path, Chat("sla-broken", $"Hello? ({path})", stream: true)), HttpCompletionOption.ResponseHeadersRead, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync(Cancel)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.StartsWith("data: ", StringComparison.Ordinal) ? l["data: ".Length..] : l).Where(l => l != "[DONE]").ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal("waiting_for_operator", JsonDocument.Parse(lines[0]).RootElement.GetProperty("takase").GetProperty("status").GetString());
        var error = JsonDocument.Parse(lines[1]).RootElement.GetProperty("error");
        var message = error.ValueKind == JsonValueKind.String ? error.GetString() : error.GetProperty("message").GetString();
        Assert.Contains("desk-broken: sla_timeout", message);
        Assert.Contains("remote-500: error", message);
    }

    [Fact]
    public async Task A_learned_score_inside_the_uncertain_band_goes_to_the_desk_with_the_score_in_the_reason()
    {
        using var response = await server.Http.SendAsync(Post("api/chat", Chat("unsure", "Tell me a story about a fox", stream: false), async: true), Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        var view = await server.TicketAsync(JsonDocument.Parse(text).RootElement.GetProperty("ticket_id").GetString()!, Cancel);
        var route = view.GetProperty("route");
        Assert.Contains("handoff:low_confidence", route.GetProperty("applied_rules").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(["desk", "remote-ok"], route.GetProperty("order").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains(route.GetProperty("score").GetDouble().ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), view.GetProperty("ticket").GetProperty("reason").GetString());
    }
}
