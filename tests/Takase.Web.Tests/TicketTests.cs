using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Takase.Server.Persistence;
using Takase.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Takase.Web.Tests;

/// <summary>
/// A ticket in the console: the conversation with the router's top substrings marked, the draft, the explanation, and
/// each action checked in the store behind the page.
/// </summary>
public sealed class TicketTests(SecuredServer fixture, Chromium chromium) : IClassFixture<SecuredServer>, IClassFixture<Chromium>
{
    private readonly ConsoleServer _server = fixture.Server;

    private async Task<(IPage Page, Ticket Ticket)> OpenSeededTicketAsync(string operatorName, Func<IPage, Task>? beforeLoad = null)
    {
        var ticket = await _server.SeedTicketAsync("router chose 'desk'", Seeds.Conversation(), TimeSpan.FromMinutes(4),
            draft: Seeds.Draft, route: Seeds.Decision());
        var key = await _server.CreateKeyAsync(operatorName, ApiKeyRole.Operator);
        var page = await chromium.NewPageAsync();
        if (beforeLoad is not null) await beforeLoad(page);
        await ConsolePage.LoginAsync(page, _server, key, operatorName);
        await ConsolePage.OpenTicketAsync(page, ticket.Id);
        return (page, ticket);
    }

    [Fact]
    public async Task The_ticket_shows_the_conversation_the_draft_and_the_explanation_with_the_top_substrings_marked()
    {
        var (page, ticket) = await OpenSeededTicketAsync("reader");

        var messages = page.Locator("#conversation li");
        await Expect(messages).ToHaveCountAsync(4); // the draft is not part of the conversation
        await Expect(messages.Nth(0)).ToHaveClassAsync(new Regex(@"\brole-system\b"));
        await Expect(messages.Nth(1).Locator(".content")).ToHaveTextAsync("こんにちは");
        await Expect(messages.Nth(2)).ToHaveClassAsync(new Regex(@"\brole-assistant\b"));
        var scored = messages.Nth(3);
        await Expect(scored).ToHaveClassAsync(new Regex(@"\brole-user\b.*\bscored\b"));
        await Expect(scored.Locator(".content")).ToHaveTextAsync(Seeds.Question);

        // Each mark is exactly a contributing substring; "情が" overlaps the stronger "苦情" and is left unmarked.
        var marks = scored.Locator("mark");
        Assert.Equal(["苦情", "返金", "教えて"], await marks.AllTextContentsAsync());
        Assert.Equal(["ngram:苦情", "ngram:返金", "ngram:教えて"], await marks.EvaluateAllAsync<string[]>("ms => ms.map(m => m.dataset.feature)"));
        await Expect(marks.Nth(0)).ToHaveClassAsync("pushes-up");
        await Expect(marks.Nth(2)).ToHaveClassAsync("pushes-down");
        Assert.Equal(0, await messages.Nth(1).Locator("mark").CountAsync());

        await Expect(page.Locator("#draft-text")).ToHaveTextAsync(Seeds.Draft);
        await Expect(page.Locator("#ticket-status")).ToHaveTextAsync("waiting");
        await Expect(page.Locator("#ticket-facts")).ToContainTextAsync("support");

        var route = page.Locator("#route-body");
        await Expect(route.Locator(".reason")).ToHaveTextAsync("a complaint about a bill: the score 0.91 is above 0.8, so the desk answers");
        var desk = route.Locator("tr[data-target='desk'] td");
        Assert.Equal(["desk", "0.870", "0", "chosen"], await desk.AllTextContentsAsync());
        var gpt = route.Locator("tr[data-target='gpt'] td");
        Assert.Equal(["gpt", "—", "0.0031", "excluded: the prompt contains PERSON (local-only)"], await gpt.AllTextContentsAsync());
        await Expect(route.Locator("ol.contributions li")).ToHaveCountAsync(5);
        await Expect(route.Locator("ol.contributions li").Nth(3)).ToContainTextAsync("情が");
        await Expect(route.Locator("ol.contributions li").Nth(3)).ToContainTextAsync("not marked");
        await Expect(route).ToContainTextAsync("0.910 (thresholds 0.50, 0.80)");
        await Expect(route).ToContainTextAsync("queued");
        await Chromium.ScreenshotAsync(page, "ticket");

        // Refreshes update the waiting time without repainting the conversation (an operator's selection survives).
        await scored.EvaluateAsync("li => li.dataset.probe = 'kept'");
        var waited = await page.Locator("#ticket-waiting").TextContentAsync();
        await Expect(page.Locator("#ticket-waiting")).Not.ToHaveTextAsync(waited!);
        await Expect(scored).ToHaveAttributeAsync("data-probe", "kept");
        Assert.Empty(chromium.Problems);
    }

    [Fact]
    public async Task Markup_in_a_message_is_shown_as_text_never_run()
    {
        const string hostile = "<img src=x onerror=\"document.title='pwned'\"><b>太字</b>";
        var ticket = await _server.SeedTicketAsync("the user asked for a person", [TicketMessage.New("user", hostile)], TimeSpan.FromSeconds(5),
            draft: "<script>alert(1)</script>");
        var key = await _server.CreateKeyAsync("careful", ApiKeyRole.Operator);
        var page = await chromium.NewPageAsync();
        await ConsolePage.LoginAsync(page, _server, key, "careful");
        await Expect(ConsolePage.Row(page, ticket.Id).Locator("a.preview")).ToHaveTextAsync(hostile);
        await ConsolePage.OpenTicketAsync(page, ticket.Id);

        await Expect(page.Locator("#conversation li .content")).ToHaveTextAsync(hostile);
        await Expect(page.Locator("#draft-text")).ToHaveTextAsync("<script>alert(1)</script>");
        Assert.Equal(0, await page.Locator("#conversation img, #conversation b, #draft-panel script").CountAsync());
        Assert.Equal("Takase operator console", await page.TitleAsync());
    }

    [Fact]
    public async Task Use_draft_then_edit_and_send_answers_the_ticket_and_records_the_edit()
    {
        var (page, ticket) = await OpenSeededTicketAsync("editor");
        var box = page.Locator("#answer-text");
        await page.Locator("#draft-use").ClickAsync();
        await Expect(box).ToHaveValueAsync(Seeds.Draft);

        const string signature = "\n担当：鈴木";
        await box.PressAsync("End");
        await box.PressSequentiallyAsync(signature);
        var edited = Seeds.Draft + signature;
        await Expect(box).ToHaveValueAsync(edited);
        await page.Locator("#answer-send").ClickAsync();

        await Expect(page.Locator("#answer-result")).ToHaveTextAsync("Answer sent to the client.");
        await Expect(box).ToHaveValueAsync("");
        await Expect(page.Locator("#ticket-status")).ToHaveTextAsync("answered");
        await Expect(page.Locator("#conversation li.role-operator .content")).ToHaveTextAsync(edited);

        var stored = await _server.Store.FindTicketAsync(ticket.Id);
        Assert.Equal(TicketStatus.Answered, stored!.Status);
        var answer = Assert.Single(await _server.Store.ListMessagesAsync(ticket.Id), m => m.Role == "operator");
        Assert.Equal(edited, answer.Content);
        Assert.Equal("editor", answer.Author);
        var edit = Assert.Single(await _server.Store.ListFeedbackAsync(), f => f.TicketId == ticket.Id);
        Assert.Equal(FeedbackKind.Edit, edit.Kind);
        Assert.Equal(Seeds.Draft, edit.Answer);
        Assert.Equal(edited, edit.EditedText);
    }

    [Fact]
    public async Task Reassigning_takes_releases_and_names_an_operator()
    {
        var (page, ticket) = await OpenSeededTicketAsync("assigner");
        var facts = page.Locator("#ticket-facts");

        await page.Locator("#assign-me").ClickAsync();
        await Expect(page.Locator("#answer-result")).ToHaveTextAsync("Assigned to assigner.");
        await Expect(facts).ToContainTextAsync("assigner");
        Assert.Equal("assigner", (await _server.Store.FindTicketAsync(ticket.Id))!.Assignee);

        await page.Locator("#assign-name").FillAsync("佐藤");
        await page.Locator("#assign-to").ClickAsync();
        await Expect(page.Locator("#answer-result")).ToHaveTextAsync("Assigned to 佐藤.");
        await Expect(facts).ToContainTextAsync("佐藤");
        Assert.Equal("佐藤", (await _server.Store.FindTicketAsync(ticket.Id))!.Assignee);

        await page.Locator("#assign-release").ClickAsync();
        await Expect(page.Locator("#answer-result")).ToHaveTextAsync("Back in the queue, unassigned.");
        await Expect(facts).ToContainTextAsync("unassigned (in the queue)");
        Assert.Null((await _server.Store.FindTicketAsync(ticket.Id))!.Assignee);
    }

    [Fact]
    public async Task Closing_disables_answering()
    {
        var (page, ticket) = await OpenSeededTicketAsync("closer");
        await page.Locator("#ticket-close").ClickAsync();
        await Expect(page.Locator("#ticket-status")).ToHaveTextAsync("closed");
        await Expect(page.Locator("#answer-send")).ToBeDisabledAsync();
        await Expect(page.Locator("#ticket-close")).ToBeDisabledAsync();
        await Expect(page.Locator("#assign-me")).ToBeDisabledAsync();
        Assert.Equal(TicketStatus.Closed, (await _server.Store.FindTicketAsync(ticket.Id))!.Status);
    }

    [Fact]
    public async Task Answering_a_ticket_closed_elsewhere_shows_409_and_keeps_the_text()
    {
        var (page, ticket) = await OpenSeededTicketAsync("late-operator", beforeLoad: p => p.Clock.InstallAsync());
        // Stop the page's refresh timers, so it still believes the ticket open when the answer goes out.
        await page.Clock.PauseAtAsync(DateTime.Now.AddMinutes(1));
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await _server.Store.CloseTicketAsync(ticket.Id);

        const string text = "お待たせしました。返金を手配いたしました。";
        await page.Locator("#answer-text").FillAsync(text);
        await page.Locator("#answer-send").ClickAsync();

        var error = page.Locator("#ticket-error");
        await Expect(error).ToContainTextAsync("Sending the answer failed: the ticket is closed");
        await Expect(error).ToContainTextAsync("Your answer is still in the box.");
        await Expect(page.Locator("#answer-text")).ToHaveValueAsync(text);
        Assert.DoesNotContain(await _server.Store.ListMessagesAsync(ticket.Id), m => m.Role == "operator");
    }

    [Fact]
    public async Task A_revoked_key_gets_403_shown_and_the_typed_answer_stays()
    {
        var ticket = await _server.SeedTicketAsync("router chose 'desk'", Seeds.Conversation(), TimeSpan.FromMinutes(1));
        var created = await _server.Store.CreateApiKeyAsync("revoked-operator", ApiKeyRole.Operator);
        var page = await chromium.NewPageAsync();
        await ConsolePage.LoginAsync(page, _server, created.Secret, "revoked-operator");
        await ConsolePage.OpenTicketAsync(page, ticket.Id);
        // Revoked by an admin through the API, as in production (a node forgets a revoked key at once).
        using (var revoked = await _server.SendAsync(HttpMethod.Delete, $"/api/admin/keys/{created.Key.Id}", ConsoleServer.AdminKey))
            Assert.True(revoked.IsSuccessStatusCode, await revoked.Content.ReadAsStringAsync());

        const string text = "確認いたします。";
        await page.Locator("#answer-text").FillAsync(text);
        await page.Locator("#answer-send").ClickAsync();
        var error = page.Locator("#ticket-error");
        await Expect(error).ToContainTextAsync("your key may not do this");
        await Expect(error).ToContainTextAsync("was revoked");
        await Expect(page.Locator("#answer-text")).ToHaveValueAsync(text);
        Assert.DoesNotContain(await _server.Store.ListMessagesAsync(ticket.Id), m => m.Role == "operator");
    }

    [Fact]
    public async Task Regenerating_a_draft_without_a_draft_target_says_what_to_configure()
    {
        var (page, _) = await OpenSeededTicketAsync("drafter");
        await page.Locator("#draft-regenerate").ClickAsync();
        await Expect(page.Locator("#ticket-error")).ToContainTextAsync("Asking for a new draft failed: ticket");
        await Expect(page.Locator("#ticket-error")).ToContainTextAsync("DraftTarget");
        await Expect(page.Locator("#ticket-error")).Not.ToContainTextAsync("is closed");
    }

    [Fact]
    public async Task Rating_the_draft_with_a_thumb_and_a_score_stores_feedback()
    {
        var (page, ticket) = await OpenSeededTicketAsync("rater");
        await Expect(page.Locator("#rating-label")).ToHaveTextAsync("Rate the AI draft:");
        await page.Locator("#rate-up").ClickAsync();
        await Expect(page.Locator("#rating-result")).ToHaveTextAsync("Rated the AI draft good (thumbs up); stored as feedback.");
        await page.Locator("button.rate[data-rating='4']").ClickAsync();
        await Expect(page.Locator("#rating-result")).ToHaveTextAsync("Rated the AI draft 4/5; stored as feedback.");

        var ratings = (await _server.Store.ListFeedbackAsync()).Where(f => f.TicketId == ticket.Id).OrderBy(f => f.CreatedAt).ToList();
        Assert.Equal(2, ratings.Count);
        Assert.All(ratings, r =>
        {
            Assert.Equal(FeedbackKind.Rating, r.Kind);
            Assert.Equal("draft-model", r.Target);
            Assert.Equal(Seeds.Draft, r.Answer);
            Assert.Equal(ticket.RouteId, r.RouteId);
        });
        Assert.Equal((1, (int?)null), (ratings[0].Thumb!.Value, ratings[0].Score));
        Assert.Equal(((int?)null, 4), (ratings[1].Thumb, ratings[1].Score!.Value));
    }
}
