using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Takase.Server.Persistence;
using Takase.Server.Tests.Access;
using static Takase.Server.Tests.Support.ResponseJson;

namespace Takase.Server.Tests.Operators;

/// <summary>
/// The operator API over tickets in the store, on a real secured server: the queue, a ticket's view, answer, assign,
/// close, rating, roles and the audit trail.
/// </summary>
public sealed class OperatorApiTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<Ticket> OpenTicketAsync(AccessServer server, string question, bool draft = false)
    {
        var store = server.Services.GetRequiredService<ITicketStore>();
        var ticket = await store.CreateTicketAsync(new Ticket { Reason = "test: the user asked for a person" },
            [TicketMessage.New("system", "You help."), TicketMessage.New("user", question)], Cancel);
        if (draft) await store.AddMessageAsync(ticket.Id, TicketMessage.New("draft", "Draft: restart the router.", "remote-ok"), Cancel);
        return ticket;
    }

    [Fact]
    public async Task The_queue_lists_open_tickets_oldest_first_with_previews_and_a_ticket_shows_its_conversation()
    {
        await using var server = await AccessServer.StartSecuredAsync();
        var (_, op) = await server.CreateKeyAsync("alice", "operator");
        var first = await OpenTicketAsync(server, new string('x', 200));
        var second = await OpenTicketAsync(server, "My invoice is wrong", draft: true);
        var closed = await OpenTicketAsync(server, "old");
        await server.Services.GetRequiredService<ITicketStore>().CloseTicketAsync(closed.Id, Cancel);

        using var list = await server.SendAsync(HttpMethod.Get, "/api/operator/tickets", op);
        var tickets = (await JsonAsync(list, HttpStatusCode.OK)).GetProperty("tickets").EnumerateArray().ToList();
        Assert.Equal([first.Id, second.Id], tickets.Select(t => t.GetProperty("id").GetString()));
        Assert.Equal(140, tickets[0].GetProperty("preview").GetString()!.Length);
        Assert.Equal(("waiting", false, true), (tickets[1].GetProperty("status").GetString(), tickets[0].GetProperty("has_draft").GetBoolean(),
            tickets[1].GetProperty("has_draft").GetBoolean()));
        Assert.True(tickets[0].GetProperty("waiting_seconds").GetDouble() >= 0);
        Assert.Equal(JsonValueKind.Null, tickets[0].GetProperty("assignee").ValueKind);

        using var all = await server.SendAsync(HttpMethod.Get, "/api/operator/tickets?status=closed", op);
        Assert.Equal([closed.Id], (await JsonAsync(all, HttpStatusCode.OK)).GetProperty("tickets").EnumerateArray().Select(t => t.GetProperty("id").GetString()));
        using var bad = await server.SendAsync(HttpMethod.Get, "/api/operator/tickets?status=later", op);
        Assert.Contains("status:", (await JsonAsync(bad, HttpStatusCode.BadRequest)).GetProperty("error").GetString());

        using var detail = await server.SendAsync(HttpMethod.Get, $"/api/operator/tickets/{second.Id}", op);
        var view = await JsonAsync(detail, HttpStatusCode.OK);
        Assert.Equal("Draft: restart the router.", view.GetProperty("draft").GetString());
        Assert.Equal(["system", "user", "draft"], view.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("My invoice is wrong", view.GetProperty("messages")[1].GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("route").ValueKind);
        Assert.Equal("test: the user asked for a person", view.GetProperty("ticket").GetProperty("reason").GetString());

        using var missing = await server.SendAsync(HttpMethod.Get, "/api/operator/tickets/tk_nope", op);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Answer_assign_close_and_rating_work_are_audited_and_an_edited_draft_becomes_feedback()
    {
        await using var server = await AccessServer.StartSecuredAsync();
        var (opId, op) = await server.CreateKeyAsync("alice", "operator");
        var ticket = await OpenTicketAsync(server, "My invoice is wrong", draft: true);

        using (var assign = await server.SendAsync(HttpMethod.Post, $"/api/operator/tickets/{ticket.Id}/assign", op, new { assignee = "bob" }))
            Assert.Equal("bob", (await JsonAsync(assign, HttpStatusCode.OK)).GetProperty("ticket").GetProperty("assignee").GetString());
        using (var release = await server.SendAsync(HttpMethod.Post, $"/api/operator/tickets/{ticket.Id}/assign", op, new { assignee = (string?)null }))
            Assert.Equal(JsonValueKind.Null, (await JsonAsync(release, HttpStatusCode.OK)).GetProperty("ticket").GetProperty("assignee").ValueKind);

        using (var answer = await server.SendAsync(HttpMethod.Post, $"/api/operator/tickets/{ticket.Id}/answer", op, new { content = "We refunded the difference." }))
        {
            var message = (await JsonAsync(answer, HttpStatusCode.OK)).GetProperty("message");
            Assert.Equal(("operator", "We refunded the difference.", "alice"),
                (message.GetProperty("role").GetString(), message.GetProperty("content").GetString(), message.GetProperty("author").GetString()));
        }
        using (var rating = await server.SendAsync(HttpMethod.Post, $"/api/operator/tickets/{ticket.Id}/rating", op, new { rating = "down", comment = "wrong fix" }))
            Assert.StartsWith("fb_", (await JsonAsync(rating, HttpStatusCode.Created)).GetProperty("id").GetString());
        using (var badRating = await server.SendAsync(HttpMethod.Post, $"/api/operator/tickets/{ticket.Id}/rating", op, new { rating = 9 }))
            Assert.Contains("rating:", (await JsonAsync(badRating, HttpStatusCode.BadRequest)).GetProperty("error").GetString());

        // The client's poll shows the operator's answer only.
        var (_, client) = await server.CreateKeyAsync("app", "client");
        using (var poll = await server.SendAsync(HttpMethod.Get, $"/api/tickets/{ticket.Id}", client))
        {
            var view = await JsonAsync(poll, HttpStatusCode.OK);
            Assert.Equal(("answered", "We refunded the difference."), (view.GetProperty("status").GetString(), view.GetProperty("answer").GetString()));
            Assert.Single(view.GetProperty("messages").EnumerateArray());
        }

        using (var close = await server.SendAsync(HttpMethod.Post, $"/api/operator/tickets/{ticket.Id}/close", op))
            Assert.Equal("closed", (await JsonAsync(close, HttpStatusCode.OK)).GetProperty("ticket").GetProperty("status").GetString());
        using (var late = await server.SendAsync(HttpMethod.Post, $"/api/operator/tickets/{ticket.Id}/answer", op, new { content = "one more thing" }))
            Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);

        var feedback = await server.Services.GetRequiredService<IFeedbackStore>().ListFeedbackAsync(cancel: Cancel);
        var edit = Assert.Single(feedback, f => f.Kind == FeedbackKind.Edit);
        Assert.Equal((ticket.Id, "Draft: restart the router.", "We refunded the difference.", "remote-ok", opId),
            (edit.TicketId, edit.Answer, edit.EditedText, edit.Target, edit.Author));
        var rated = Assert.Single(feedback, f => f.Kind == FeedbackKind.Rating);
        Assert.Equal((-1, "remote-ok", "wrong fix"), (rated.Thumb, rated.Target, rated.Comment));

        var audit = await server.Services.GetRequiredService<IAuditLog>().ListAuditAsync(subject: ticket.Id, cancel: Cancel);
        Assert.Equal(["ticket.assign", "ticket.release", "ticket.answer", "ticket.rating", "ticket.close"], audit.Reverse().Select(e => e.Action));
        Assert.All(audit, e => Assert.Equal(opId, e.Actor));
        Assert.Contains("\"by\":\"alice\"", audit[0].Details);
    }

    [Fact]
    public async Task A_client_key_is_refused_on_operator_routes_and_whoami_names_the_operator()
    {
        await using var server = await AccessServer.StartSecuredAsync();
        var (_, client) = await server.CreateKeyAsync("app", "client");
        var (_, op) = await server.CreateKeyAsync("alice", "operator");
        var ticket = await OpenTicketAsync(server, "hello");
        foreach (var (method, path) in new[] { (HttpMethod.Get, "/api/operator/tickets"), (HttpMethod.Get, "/api/operator/whoami"),
            (HttpMethod.Post, $"/api/operator/tickets/{ticket.Id}/answer"), (HttpMethod.Post, $"/api/operator/tickets/{ticket.Id}/close") })
        {
            using var refused = await server.SendAsync(method, path, client, method == HttpMethod.Post ? new { content = "x" } : null);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        using (var anonymous = await server.SendAsync(HttpMethod.Get, "/api/operator/whoami", null))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var whoami = await server.SendAsync(HttpMethod.Get, "/api/operator/whoami", op);
        var me = await JsonAsync(whoami, HttpStatusCode.OK);
        Assert.Equal(("alice", "operator"), (me.GetProperty("name").GetString(), me.GetProperty("role").GetString()));
        Assert.Equal("waiting", (await server.Services.GetRequiredService<ITicketStore>().FindTicketAsync(ticket.Id, Cancel))!.Status.ToString().ToLowerInvariant());
    }
}
