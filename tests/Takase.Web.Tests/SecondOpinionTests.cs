using System.Text.Json;
using Microsoft.Playwright;
using Takase.Server.Persistence;
using Takase.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Takase.Web.Tests;

/// <summary>
/// A second opinion in the console: ask two targets for drafts, compare them side by side, choose one — and the
/// preference is in the store and in the router's training data (GET /api/feedback/routing.jsonl).
/// </summary>
public sealed class SecondOpinionTests(SecuredServer fixture, Chromium chromium) : IClassFixture<SecuredServer>, IClassFixture<Chromium>
{
    private readonly ConsoleServer _server = fixture.Server;

    private async Task<(IPage Page, Ticket Ticket)> OpenTicketAsync(string operatorName, Func<IPage, Task>? beforeLoad = null)
    {
        var ticket = await _server.SeedTicketAsync("router chose 'desk'", Seeds.Conversation(), TimeSpan.FromMinutes(2), route: Seeds.Decision());
        var key = await _server.CreateKeyAsync(operatorName, ApiKeyRole.Operator);
        var page = await chromium.NewPageAsync();
        if (beforeLoad is not null) await beforeLoad(page);
        await ConsolePage.LoginAsync(page, _server, key, operatorName);
        await ConsolePage.OpenTicketAsync(page, ticket.Id);
        return (page, ticket);
    }

    private static async Task AskAsync(IPage page, string target)
    {
        await page.Locator("#opinion-target").SelectOptionAsync(target);
        await page.Locator("#opinion-ask").ClickAsync();
        await Expect(page.Locator("#opinion-result")).ToHaveTextAsync($"{target} is writing a draft; it appears beside the others when it is ready.");
    }

    [Fact]
    public async Task Two_targets_drafts_side_by_side_then_choosing_one_stores_a_preference_the_router_learns_from()
    {
        var (page, ticket) = await OpenTicketAsync("comparer");
        Assert.Equal(["careful (remote, external)", "fast (remote, local)"], await page.Locator("#opinion-target option").AllTextContentsAsync());
        await Expect(page.Locator("#compare-panel")).ToBeHiddenAsync();

        // One target's draft is not yet a comparison.
        await AskAsync(page, "fast");
        await Expect(page.Locator("#draft-text")).ToHaveTextAsync(DraftProvider.DraftOf("fast"));
        await Expect(page.Locator("#draft-author")).ToHaveTextAsync("· by fast");
        await Expect(page.Locator("#compare-panel")).ToBeHiddenAsync();

        await AskAsync(page, "careful");
        var a = page.Locator("#compare-a");
        var b = page.Locator("#compare-b");
        await Expect(page.Locator("#compare-panel")).ToBeVisibleAsync();
        await Expect(a.Locator(".target")).ToHaveTextAsync("fast");
        await Expect(a.Locator(".draft")).ToHaveTextAsync(DraftProvider.DraftOf("fast"));
        await Expect(b.Locator(".target")).ToHaveTextAsync("careful");
        await Expect(b.Locator(".draft")).ToHaveTextAsync(DraftProvider.DraftOf("careful"));
        await Chromium.ScreenshotAsync(page, "second-opinion");

        await b.Locator("button.prefer").ClickAsync();
        await Expect(page.Locator("#compare-result")).ToHaveTextAsync("Preferred B (careful) over A (fast); stored as feedback.");

        var preference = Assert.Single(await _server.Store.ListFeedbackAsync(), f => f.TicketId == ticket.Id);
        Assert.Equal((FeedbackKind.Preference, "careful", "fast", Seeds.Question, ticket.RouteId),
            (preference.Kind, preference.Target, preference.OtherTarget, preference.Prompt, preference.RouteId));

        using var response = await _server.SendAsync(HttpMethod.Get, "/api/feedback/routing.jsonl", ConsoleServer.AdminKey);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(response.IsSuccessStatusCode, string.Join("\n", lines));
        var row = Assert.Single(lines.Select(l => JsonDocument.Parse(l).RootElement), r => r.GetProperty("prompt").GetString() == Seeds.Question);
        Assert.Equal((1.0, 0.0), (row.GetProperty("scores").GetProperty("careful").GetDouble(), row.GetProperty("scores").GetProperty("fast").GetDouble()));

        // Either draft goes into the answer box.
        await a.Locator("button.use").ClickAsync();
        await Expect(page.Locator("#answer-text")).ToHaveValueAsync(DraftProvider.DraftOf("fast"));
        Assert.Empty(chromium.Problems);
    }

    [Fact]
    public async Task Asking_for_a_draft_on_a_ticket_closed_elsewhere_shows_the_409_and_stores_nothing()
    {
        var (page, ticket) = await OpenTicketAsync("late-comparer", beforeLoad: p => p.Clock.InstallAsync());
        await Expect(page.Locator("#opinion-target option")).ToHaveCountAsync(2);
        // Stop the page's refresh timers, so it still believes the ticket open when it asks.
        await page.Clock.PauseAtAsync(DateTime.Now.AddMinutes(1));
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await _server.Store.CloseTicketAsync(ticket.Id);

        await page.Locator("#opinion-target").SelectOptionAsync("careful");
        await page.Locator("#opinion-ask").ClickAsync();
        await Expect(page.Locator("#ticket-error")).ToContainTextAsync("Asking careful for a draft failed: the ticket is closed");
        await Expect(page.Locator("#opinion-result")).ToBeHiddenAsync();
        Assert.DoesNotContain(await _server.Store.ListMessagesAsync(ticket.Id), m => m.Role == "draft");
    }
}
