using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takase.Server.Persistence;
using Takase.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Takase.Web.Tests;

/// <summary>The whole loop: a client's routed request waits on the desk, an operator answers it in the console, the client gets the text.</summary>
public sealed class RoutedClientTests(SecuredServer fixture, Chromium chromium) : IClassFixture<SecuredServer>, IClassFixture<Chromium>
{
    private readonly ConsoleServer _server = fixture.Server;

    [Fact]
    public async Task The_operators_answer_typed_in_the_console_reaches_the_waiting_client()
    {
        var clientKey = await _server.CreateKeyAsync("shop-frontend", ApiKeyRole.Client);
        var operatorKey = await _server.CreateKeyAsync("yamada", ApiKeyRole.Operator);
        var page = await chromium.NewPageAsync();
        await ConsolePage.LoginAsync(page, _server, operatorKey, "yamada");

        const string question = "解約の手続きについて教えてください。契約番号は A-1024 です。";
        var waiting = _server.SendAsync(HttpMethod.Post, "/api/chat", clientKey, new
        {
            model = "support",
            stream = false,
            messages = new[] { new { role = "user", content = question } },
        });

        // The request opens a ticket; the queue shows it within a refresh.
        var row = page.Locator("#queue-body tr", new() { HasText = question });
        await Expect(row).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Expect(row.Locator("td .status")).ToHaveTextAsync("waiting");
        await Expect(row.Locator("td.profile")).ToHaveTextAsync("support");
        var ticketId = await row.GetAttributeAsync("data-ticket-id");
        Assert.False(waiting.IsCompleted, "the client should still be waiting for the operator");

        await ConsolePage.OpenTicketAsync(page, ticketId!);
        await Expect(page.Locator("#conversation li.role-user .content")).ToHaveTextAsync(question);
        const string answer = "ご連絡ありがとうございます。解約はマイページの「契約」から手続きいただけます。";
        await page.Locator("#answer-text").FillAsync(answer);
        await page.Locator("#answer-send").ClickAsync();
        await Expect(page.Locator("#answer-result")).ToHaveTextAsync("Answer sent to the client.");

        using var response = await waiting.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var body = JsonDocument.Parse(text);
        Assert.Equal(answer, body.RootElement.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("desk", body.RootElement.GetProperty("takase").GetProperty("answered_by").GetString());
        var stored = Assert.Single(await _server.Store.ListMessagesAsync(ticketId!), m => m.Role == "operator");
        Assert.Equal(("yamada", answer), (stored.Author, stored.Content));
        Assert.Empty(chromium.Problems);
    }
}
