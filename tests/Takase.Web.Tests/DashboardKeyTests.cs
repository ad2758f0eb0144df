using Takase.Server.Persistence;
using Takase.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Takase.Web.Tests;

/// <summary>The dashboard on a server that requires keys: decisions and stats are for operators, and a client key is told so.</summary>
public sealed class DashboardKeyTests(SecuredServer fixture, Chromium chromium) : IClassFixture<SecuredServer>, IClassFixture<Chromium>
{
    private readonly ConsoleServer _server = fixture.Server;

    [Fact]
    public async Task A_client_key_is_refused_with_the_reason_and_an_operator_key_opens_the_dashboard()
    {
        var client = await _server.CreateKeyAsync("shop", ApiKeyRole.Client);
        var operatorKey = await _server.CreateKeyAsync("sato", ApiKeyRole.Operator);
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(new Uri(_server.BaseAddress, "dashboard/").ToString());
        await Expect(page.Locator("#key-error")).ToHaveTextAsync("This server requires an API key.");

        await page.Locator("#key-input").FillAsync(client);
        await page.Locator("#key-form button").ClickAsync();
        await Expect(page.Locator("#key-error")).ToContainTextAsync("This key may not do this:");
        await Expect(page.Locator("#key-error")).ToContainTextAsync("needs operator");

        await page.Locator("#key-input").FillAsync(operatorKey);
        await page.Locator("#key-form button").ClickAsync();
        await Expect(page.Locator("#key-form")).ToBeHiddenAsync();
        await Expect(page.Locator("#decisions-empty")).ToBeVisibleAsync();
        await Expect(page.Locator("#stats-totals tbody")).ToContainTextAsync("No routed requests in this range.");
        await Expect(page.Locator("#stats-chart svg rect[data-target]")).ToHaveCountAsync(0);
        Assert.Empty(chromium.Problems);
    }
}
