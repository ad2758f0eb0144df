using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Takase.Server.Feedback;
using Takase.Server.Persistence;
using Takase.Server.Tests.Routing;
using Takase.Server.Tests.Support;

namespace Takase.Server.Tests.Operators;

/// <summary>
/// Second opinions on a ticket: drafts by a named target, every draft in the ticket view, the targets an operator may
/// ask, and the operator's preference between two targets' drafts stored as feedback the router learns from.
/// </summary>
[Collection("operators")]
public sealed class PreferenceApiTests(OperatorServer server)
{
    private const string Prompt = "And which plan is cheaper for two people?";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<Ticket> OpenTicketAsync() =>
        await server.Services.GetRequiredService<ITicketStore>().CreateTicketAsync(new Ticket { Reason = "test: a second opinion" },
        [
            TicketMessage.New("system", "You help."), TicketMessage.New("user", "Which plans do you have?"),
            TicketMessage.New("assistant", "Basic and Family."), TicketMessage.New("user", Prompt),
        ], Cancel);

    private async Task<JsonElement> PostAsync(string path, object? body, HttpStatusCode expected)
    {
        using var response = body is null ? await server.Http.PostAsync(path, null, Cancel) : await server.Http.PostAsJsonAsync(path, body, Cancel);
        return await ResponseJson.JsonAsync(response, expected);
    }

    private async Task DraftAsync(string ticketId, string target)
    {
        var accepted = await PostAsync($"api/operator/tickets/{ticketId}/draft", new { target }, HttpStatusCode.Accepted);
        Assert.Equal(("drafting", target), (accepted.GetProperty("status").GetString(), accepted.GetProperty("target").GetString()));
        if (server.Desk.DraftInProgress(ticketId) is { } drafting) await drafting.WaitAsync(Cancel);
    }

    [Fact]
    public async Task The_targets_are_the_configured_local_and_remote_ones_with_kind_and_privacy()
    {
        var targets = (await server.Http.GetFromJsonAsync<JsonElement>("api/operator/targets", Cancel)).GetProperty("targets").EnumerateArray().ToList();
        Assert.Equal(["remote-500", "remote-alt", "remote-ok"], targets.Select(t => t.GetProperty("name").GetString()));
        var alt = targets[1];
        Assert.Equal(("remote", "external"), (alt.GetProperty("kind").GetString(), alt.GetProperty("privacy").GetString()));
        Assert.Equal("local", targets[2].GetProperty("privacy").GetString());
    }

    [Fact]
    public async Task Drafts_by_two_named_targets_are_listed_and_the_preference_between_them_is_feedback_for_the_last_prompt()
    {
        var ticket = await OpenTicketAsync();
        await DraftAsync(ticket.Id, "remote-ok");
        await DraftAsync(ticket.Id, "remote-alt");

        var view = await server.TicketAsync(ticket.Id, Cancel);
        var drafts = view.GetProperty("drafts").EnumerateArray().ToList();
        Assert.Equal(["remote-ok", "remote-alt"], drafts.Select(d => d.GetProperty("target").GetString()));
        Assert.All(drafts, d => Assert.Equal(FakeProvider.Answer, d.GetProperty("content").GetString()));
        Assert.True(drafts[0].GetProperty("seq").GetInt32() < drafts[1].GetProperty("seq").GetInt32());
        Assert.True(drafts[1].GetProperty("created_at").GetDateTimeOffset() >= drafts[0].GetProperty("created_at").GetDateTimeOffset());
        Assert.Equal(FakeProvider.Answer, view.GetProperty("draft").GetString());
        // The provider was asked about the conversation, its last user message last.
        Assert.EndsWith(Prompt, server.Provider.Received("ok").Last().Text);

        var created = await PostAsync($"api/operator/tickets/{ticket.Id}/preference", new { chosen = "remote-alt", rejected = "remote-ok" }, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString();

        var stored = Assert.Single(await server.Services.GetRequiredService<IFeedbackStore>().ListFeedbackAsync(cancel: Cancel), f => f.TicketId == ticket.Id);
        Assert.Equal((id, FeedbackKind.Preference, "remote-alt", "remote-ok", Prompt, FakeProvider.Answer),
            (stored.Id, stored.Kind, stored.Target, stored.OtherTarget, stored.Prompt, stored.Answer));
        var row = JsonDocument.Parse(Assert.Single(FeedbackDataset.ToRoutingJsonl([stored]))).RootElement;
        Assert.Equal((Prompt, 1.0, 0.0), (row.GetProperty("prompt").GetString(),
            row.GetProperty("scores").GetProperty("remote-alt").GetDouble(), row.GetProperty("scores").GetProperty("remote-ok").GetDouble()));

        var audit = await server.Services.GetRequiredService<IAuditLog>().ListAuditAsync(subject: ticket.Id, cancel: Cancel);
        Assert.Equal(["ticket.draft", "ticket.draft", "ticket.preference"], audit.Reverse().Select(e => e.Action));
        Assert.Contains("\"chosen\":\"remote-alt\"", audit[0].Details);
    }

    [Fact]
    public async Task Unknown_or_human_draft_targets_and_invalid_preferences_are_400_naming_the_input_and_a_closed_ticket_409()
    {
        var ticket = await OpenTicketAsync();
        var draft = $"api/operator/tickets/{ticket.Id}/draft";
        Assert.Contains("'nope' is not a configured target", (await PostAsync(draft, new { target = "nope" }, HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        Assert.Contains("'desk' is a human target", (await PostAsync(draft, new { target = "desk" }, HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        Assert.Contains("target:", (await PostAsync(draft, new { target = " " }, HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        // No body and no route to a human target with a DraftTarget: nothing to draft with, as before.
        Assert.Contains("has no draft target", (await PostAsync(draft, null, HttpStatusCode.Conflict)).GetProperty("error").GetString());

        var prefer = $"api/operator/tickets/{ticket.Id}/preference";
        Assert.Contains("'remote-ok' wrote no draft", (await PostAsync(prefer, new { chosen = "remote-ok", rejected = "remote-alt" }, HttpStatusCode.BadRequest))
            .GetProperty("error").GetString());
        await DraftAsync(ticket.Id, "remote-ok");
        var missing = (await PostAsync(prefer, new { chosen = "remote-ok", rejected = "remote-alt" }, HttpStatusCode.BadRequest)).GetProperty("error").GetString();
        Assert.Contains("rejected: 'remote-alt' wrote no draft", missing);
        Assert.Contains("drafts are by: remote-ok", missing);
        Assert.Contains("itself", (await PostAsync(prefer, new { chosen = "remote-ok", rejected = "remote-ok" }, HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        Assert.Contains("chosen:", (await PostAsync(prefer, new { rejected = "remote-ok" }, HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        await PostAsync("api/operator/tickets/tk_nope/preference", new { chosen = "a", rejected = "b" }, HttpStatusCode.NotFound);
        Assert.DoesNotContain(await server.Services.GetRequiredService<IFeedbackStore>().ListFeedbackAsync(cancel: Cancel), f => f.TicketId == ticket.Id);

        await server.Services.GetRequiredService<ITicketStore>().CloseTicketAsync(ticket.Id, Cancel);
        await PostAsync(draft, new { target = "remote-alt" }, HttpStatusCode.Conflict);
        Assert.Single(await server.Services.GetRequiredService<ITicketStore>().ListMessagesAsync(ticket.Id, Cancel), m => m.Role == "draft");
    }

    [Fact]
    public async Task A_second_opinion_from_a_target_more_public_than_the_tickets_privacy_rule_allows_is_400_naming_the_rule()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/chat")
        {
            Content = JsonContent.Create(new { model = "guarded", messages = new[] { new { role = "user", content = "confidential: our merger plan" } }, stream = false }),
        };
        request.Headers.Add("Prefer", "respond-async");
        using var response = await server.Http.SendAsync(request, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        var ticketId = JsonDocument.Parse(text).RootElement.GetProperty("ticket_id").GetString()!;

        var refused = (await PostAsync($"api/operator/tickets/{ticketId}/draft", new { target = "remote-alt" }, HttpStatusCode.BadRequest)).GetProperty("error").GetString();
        Assert.Contains("'remote-alt' has privacy class external", refused);
        Assert.Contains("rule 'confidential'", refused);
        await DraftAsync(ticketId, "remote-ok"); // a local target may still give its opinion
        var drafts = (await server.Services.GetRequiredService<ITicketStore>().ListMessagesAsync(ticketId, Cancel)).Where(m => m.Role == "draft").ToList();
        Assert.Equal(["remote-ok"], drafts.Select(d => d.Author).Distinct());
    }
}
