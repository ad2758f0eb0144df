using Takase.Server.Persistence;
using Takase.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Takase.Web.Tests;

/// <summary>The console's read-only norms view: the active version's overlays and rules, the versions, who follows it.</summary>
public sealed class NormsViewTests(SecuredServer fixture, Chromium chromium) : IClassFixture<SecuredServer>, IClassFixture<Chromium>
{
    private readonly ConsoleServer _server = fixture.Server;

    [Fact]
    public async Task An_admin_sees_the_active_version_its_rules_and_who_follows_it()
    {
        foreach (var message in new[] { "Not that.", "I cannot discuss secrets." })
        {
            using var put = await _server.SendAsync(HttpMethod.Put, "api/admin/norms/house", ConsoleServer.AdminKey, new
            {
                overlays = new[] { new { position = "Prepend", text = "Be courteous." } },
                input = new object[]
                {
                    new { name = "no-secrets", keywords = new[] { "secret" }, action = "Refuse", message },
                    new { name = "soften", regex = "stupid", action = "Rewrite", replacement = "unclear" },
                },
            });
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }
        using (var assign = await _server.SendAsync(HttpMethod.Put, "api/admin/norms/assignments/key/norms-admin", ConsoleServer.AdminKey, new { norms = "house" }))
            Assert.True(assign.IsSuccessStatusCode);

        var key = await _server.CreateKeyAsync("norms-admin", ApiKeyRole.Admin);
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(_server.ConsoleAddress.ToString());
        await page.Locator("#login-key").FillAsync(key);
        await page.Locator("#login-submit").ClickAsync();
        await Expect(page.Locator("#whoami")).ToHaveTextAsync("norms-admin · admin");
        await page.Locator("#norms-link").ClickAsync();

        var house = page.Locator("#norms-list [data-norms='house']");
        await Expect(house.Locator(".version")).ToHaveTextAsync("version 2");
        await Expect(house.Locator(".overlay")).ToHaveTextAsync("Prepend: Be courteous.");
        await Expect(house.Locator("ol.input li")).ToHaveTextAsync([
            "no-secrets: keywords “secret” → refuse: “I cannot discuss secrets.”",
            "soften: regex /stupid/ → rewrite to “unclear”",
        ]);
        await Expect(house.Locator(".followers")).ToHaveTextAsync("Followed by: key norms-admin");
        await Expect(house.Locator(".versions")).ToContainTextAsync("Versions: 1 (");
        await Chromium.ScreenshotAsync(page, "norms");
        Assert.Empty(chromium.Problems);
    }

    [Fact]
    public async Task An_operator_is_told_the_view_needs_an_admin_key()
    {
        var key = await _server.CreateKeyAsync("norms-operator", ApiKeyRole.Operator);
        var page = await chromium.NewPageAsync();
        await ConsolePage.LoginAsync(page, _server, key, "norms-operator");
        await page.Locator("#norms-link").ClickAsync();
        await Expect(page.Locator("#norms-error")).ToHaveTextAsync("The norms profiles are shown to admin keys only; log in with an admin key to see them.");
        await Expect(page.Locator("#norms-list article")).ToHaveCountAsync(0);
    }
}
