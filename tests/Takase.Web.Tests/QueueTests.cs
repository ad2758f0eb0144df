using System.Text.RegularExpressions;
using Takase.Server.Persistence;
using Takase.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Takase.Web.Tests;

/// <summary>The queue: seeded tickets oldest first, with live waiting times, Japanese text intact, and the open/closed filter.</summary>
public sealed partial class QueueTests(SecuredServer fixture, Chromium chromium) : IClassFixture<SecuredServer>, IClassFixture<Chromium>
{
    private readonly ConsoleServer _server = fixture.Server;

    [Fact]
    public async Task Tickets_are_listed_oldest_first_with_live_waiting_times_and_their_japanese_text()
    {
        const string oldText = "請求書の金額が間違っています。担当者と直接話したいです。";
        const string newText = "𠮷野家の予約を変更したいのですが、電話がつながりません。";
        var old = await _server.SeedTicketAsync("the user asked for a person", [TicketMessage.New("user", oldText)], TimeSpan.FromMinutes(125));
        var recent = await _server.SeedTicketAsync("policy: complaint", [TicketMessage.New("user", newText)], TimeSpan.FromSeconds(210),
            draft: "ご不便をおかけしております。");
        var closed = await _server.SeedTicketAsync("router chose 'desk'", [TicketMessage.New("user", "もう解決しました。")], TimeSpan.FromMinutes(30));
        await _server.Store.CloseTicketAsync(closed.Id);
        await _server.Store.AssignTicketAsync(recent.Id, "佐藤");

        var key = await _server.CreateKeyAsync("queue-operator", ApiKeyRole.Operator);
        var page = await chromium.NewPageAsync();
        await ConsolePage.LoginAsync(page, _server, key, "queue-operator");

        var oldRow = ConsolePage.Row(page, old.Id);
        var recentRow = ConsolePage.Row(page, recent.Id);
        await Expect(oldRow.Locator("a.preview")).ToHaveTextAsync(oldText);
        await Expect(recentRow.Locator("a.preview")).ToHaveTextAsync(newText);
        await Expect(ConsolePage.Row(page, closed.Id)).ToHaveCountAsync(0);
        var order = await page.Locator("#queue-body tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.ticketId)");
        Assert.True(Array.IndexOf(order, old.Id) < Array.IndexOf(order, recent.Id), $"oldest first: {string.Join(", ", order)}");

        await Expect(oldRow.Locator("td.waiting")).ToHaveTextAsync(new Regex(@"^2 h 0[56] min$"));
        await Expect(oldRow.Locator("td .status")).ToHaveTextAsync("waiting");
        await Expect(oldRow.Locator("td.reason")).ToHaveTextAsync("the user asked for a person");
        await Expect(oldRow.Locator("td.assignee")).ToHaveTextAsync("unassigned");
        await Expect(recentRow.Locator("td.assignee")).ToHaveTextAsync("佐藤");
        await Expect(recentRow.Locator(".badge")).ToHaveTextAsync("draft");

        // The waiting time runs on between refreshes.
        var waiting = recentRow.Locator("td.waiting");
        await Expect(waiting).ToHaveTextAsync(new Regex(@"^[34] min \d\d s$"));
        var shown = await waiting.TextContentAsync();
        await Expect(waiting).Not.ToHaveTextAsync(shown!);
        await Expect(waiting).ToHaveTextAsync(new Regex(@"^[34] min \d\d s$"));
        await Chromium.ScreenshotAsync(page, "queue");

        await page.Locator("#queue-filter").SelectOptionAsync("closed");
        await Expect(ConsolePage.Row(page, closed.Id).Locator("td .status")).ToHaveTextAsync("closed");
        await Expect(ConsolePage.Row(page, old.Id)).ToHaveCountAsync(0);
        Assert.Empty(chromium.Problems);
    }

    [Fact]
    public async Task A_ticket_opened_elsewhere_appears_without_reloading()
    {
        var key = await _server.CreateKeyAsync("polling-operator", ApiKeyRole.Operator);
        var page = await chromium.NewPageAsync();
        await ConsolePage.LoginAsync(page, _server, key, "polling-operator");
        await Expect(page.Locator("#queue-updated")).Not.ToBeEmptyAsync();

        var ticket = await _server.SeedTicketAsync("the user asked for a person", [TicketMessage.New("user", "至急お願いします")], TimeSpan.Zero);
        await Expect(ConsolePage.Row(page, ticket.Id).Locator("a.preview")).ToHaveTextAsync("至急お願いします");
    }
}
