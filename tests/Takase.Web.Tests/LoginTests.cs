using Takase.Server.Persistence;
using Takase.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Takase.Web.Tests;

/// <summary>Logging in to the console on a server that requires keys: operator keys get in, others are told why not.</summary>
public sealed class LoginTests(SecuredServer fixture, Chromium chromium) : IClassFixture<SecuredServer>, IClassFixture<Chromium>
{
    private readonly ConsoleServer _server = fixture.Server;

    [Fact]
    public async Task An_operator_key_opens_the_queue_and_stays_for_the_tab_until_logout()
    {
        var key = await _server.CreateKeyAsync("hanako", ApiKeyRole.Operator);
        var page = await chromium.NewPageAsync();
        await ConsolePage.LoginAsync(page, _server, key, "hanako");
        Assert.Equal(key, await page.EvaluateAsync<string>("sessionStorage.getItem('takase.console.apiKey')"));

        await page.ReloadAsync();
        await Expect(page.Locator("#whoami")).ToHaveTextAsync("hanako · operator");
        await Expect(page.Locator("#login-view")).ToBeHiddenAsync();

        await page.Locator("#logout").ClickAsync();
        await Expect(page.Locator("#login-view")).ToBeVisibleAsync();
        await Expect(page.Locator("#queue-view")).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>("sessionStorage.getItem('takase.console.apiKey')"));
        Assert.Empty(chromium.Problems);
    }

    [Fact]
    public async Task Without_a_key_the_login_form_asks_for_one()
    {
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(_server.ConsoleAddress.ToString());
        await Expect(page.Locator("#login-view")).ToBeVisibleAsync();
        await Expect(page.Locator("#login-error")).ToBeHiddenAsync();

        await page.Locator("#login-submit").ClickAsync();
        await Expect(page.Locator("#login-error")).ToHaveTextAsync("This server requires an API key: paste an operator or admin key.");
        await Expect(page.Locator("#queue-view")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task A_wrong_key_is_refused_with_the_servers_reason()
    {
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(_server.ConsoleAddress.ToString());
        await page.Locator("#login-key").FillAsync("tk_not-a-key-of-this-server");
        await page.Locator("#login-submit").ClickAsync();
        await Expect(page.Locator("#login-error")).ToHaveTextAsync("This key was not accepted: the API key is not valid: no key of this server has this secret");
        await Expect(page.Locator("#queue-view")).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>("sessionStorage.getItem('takase.console.apiKey')"));
    }

    [Fact]
    public async Task A_client_key_is_refused_naming_the_role_the_console_needs()
    {
        var key = await _server.CreateKeyAsync("app-frontend", ApiKeyRole.Client);
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(_server.ConsoleAddress.ToString());
        await page.Locator("#login-key").FillAsync(key);
        await page.Locator("#login-submit").ClickAsync();
        var error = page.Locator("#login-error");
        await Expect(error).ToContainTextAsync("This key cannot open the console");
        await Expect(error).ToContainTextAsync("the API key 'app-frontend' has the role client");
        await Expect(error).ToContainTextAsync("needs an operator or admin key");
        await Expect(page.Locator("#queue-view")).ToBeHiddenAsync();
    }
}

/// <summary>On an open server (the loopback default) the console needs no key.</summary>
public sealed class OpenServerLoginTests(OpenServer fixture, Chromium chromium) : IClassFixture<OpenServer>, IClassFixture<Chromium>
{
    [Fact]
    public async Task The_console_opens_without_a_key()
    {
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(fixture.Server.ConsoleAddress.ToString());
        await Expect(page.Locator("#whoami")).ToHaveTextAsync("no key (authentication off) · admin");
        await Expect(page.Locator("#queue-view")).ToBeVisibleAsync();
        await Expect(page.Locator("#login-view")).ToBeHiddenAsync();
        Assert.Empty(chromium.Problems);
    }
}
