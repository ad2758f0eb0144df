using Takase.Server.Persistence;
using Takase.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Takase.Web.Tests;

/// <summary>The playground on a server that requires keys: it asks for one, keeps it for the tab and sends it as Bearer.</summary>
public sealed class PlaygroundKeyTests(SecuredServer fixture, Chromium chromium) : IClassFixture<SecuredServer>, IClassFixture<Chromium>
{
    private readonly ConsoleServer _server = fixture.Server;

    [Fact]
    public async Task Without_a_key_the_page_asks_for_one_and_a_client_key_lists_the_models()
    {
        var key = await _server.CreateKeyAsync("playground-user", ApiKeyRole.Client);
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(new Uri(_server.BaseAddress, "playground/").ToString());
        await Expect(page.Locator("#key-form")).ToBeVisibleAsync();
        await Expect(page.Locator("#key-error")).ToHaveTextAsync("This server requires an API key.");
        await Expect(page.Locator("#model-list input")).ToHaveCountAsync(0);

        var authorizations = new List<string?>();
        page.Request += (_, request) => { if (request.Url.EndsWith("/api/tags", StringComparison.Ordinal)) authorizations.Add(request.Headers.GetValueOrDefault("authorization")); };
        await page.Locator("#key-input").FillAsync(key);
        await page.Locator("#key-form button").ClickAsync();
        // The secured server's only model is its router profile "support".
        await Expect(page.Locator("#model-list input[value='support']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#key-form")).ToBeHiddenAsync();
        Assert.Equal($"Bearer {key}", Assert.Single(authorizations));
        Assert.Equal(key, await page.EvaluateAsync<string>("sessionStorage.getItem('takase.pages.apiKey')"));

        // The key stays for the tab: a reload lists the models at once.
        await page.ReloadAsync();
        await Expect(page.Locator("#model-list input[value='support']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#key-form")).ToBeHiddenAsync();
        Assert.Empty(chromium.Problems);
    }
}
