using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Takase.Web.Tests.Support;

/// <summary>The steps the browser tests share: open the console, log in, open a ticket.</summary>
public static class ConsolePage
{
    /// <summary>Opens the console and logs in with <paramref name="key"/>; returns once the queue is on screen.</summary>
    public static async Task LoginAsync(IPage page, ConsoleServer server, string key, string expectedName)
    {
        await page.GotoAsync(server.ConsoleAddress.ToString());
        await Expect(page.Locator("#login-view")).ToBeVisibleAsync();
        await page.Locator("#login-key").FillAsync(key);
        await page.Locator("#login-submit").ClickAsync();
        await Expect(page.Locator("#whoami")).ToHaveTextAsync($"{expectedName} · operator");
        await Expect(page.Locator("#queue-view")).ToBeVisibleAsync();
    }

    /// <summary>The queue row of a ticket.</summary>
    public static ILocator Row(IPage page, string ticketId) => page.Locator($"#queue-body tr[data-ticket-id='{ticketId}']");

    /// <summary>Opens a ticket from its queue row; returns once its conversation is on screen.</summary>
    public static async Task OpenTicketAsync(IPage page, string ticketId)
    {
        await Row(page, ticketId).Locator("a.preview").ClickAsync();
        await Expect(page.Locator("#ticket-view")).ToBeVisibleAsync();
        await Expect(page.Locator("#ticket-id")).ToHaveTextAsync(ticketId);
        await Expect(page.Locator("#conversation li").First).ToBeVisibleAsync();
    }
}
