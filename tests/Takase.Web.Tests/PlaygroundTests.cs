using System.Net;
using Microsoft.Playwright;
using Takase.Server.Web;
using Takase.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Takase.Web.Tests;

/// <summary>
/// The playground (/playground/) in headless Chromium against a real server with two real tiny models: columns stream
/// side by side and end with exactly what /api/chat answers directly, Stop aborts the streams up to the target, and a
/// model that does not exist fails in its own column only.
/// </summary>
public sealed class PlaygroundTests(PlaygroundServer server, Chromium chromium) : IClassFixture<PlaygroundServer>, IClassFixture<Chromium>
{
    private static readonly object Sampled = new { temperature = 0.9, seed = 1234, num_predict = 40 };

    private async Task<IPage> OpenAsync()
    {
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(new Uri(server.BaseAddress, "playground/").ToString());
        return page;
    }

    private static ILocator Column(IPage page, string model) => page.Locator($"#columns article.column[data-model='{model}']");

    private static async Task PickAsync(IPage page, string model) =>
        await page.Locator($"#model-list input[value='{model}']").CheckAsync();

    private static async Task PromptAsync(IPage page, string prompt, string temperature, string seed, string numPredict)
    {
        await page.Locator("#prompt").FillAsync(prompt);
        await page.Locator("details summary").ClickAsync();
        await page.Locator("#temperature").FillAsync(temperature);
        await page.Locator("#seed").FillAsync(seed);
        await page.Locator("#num-predict").FillAsync(numPredict);
    }

    [Fact]
    public async Task Two_models_stream_side_by_side_and_each_column_ends_with_what_the_api_answers_for_the_same_seed()
    {
        server.RequireModels();
        const string prompt = "Once upon a time";
        var page = await OpenAsync();
        // Both local models and the profiles are offered, each marked with its kind.
        await Expect(page.Locator($"#model-list input[value='{PlaygroundServer.Small}']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#model-list label", new() { HasText = "learned" }).Locator(".kind")).ToHaveTextAsync("router profile");
        await PickAsync(page, PlaygroundServer.Small);
        await PickAsync(page, PlaygroundServer.SmallQ8);
        await PromptAsync(page, prompt, "0.9", "1234", "40");

        // Each column is its own streaming request: count the requests and check they stream.
        var chats = new List<IRequest>();
        page.Request += (_, request) => { if (request.Url.EndsWith("/api/chat", StringComparison.Ordinal)) chats.Add(request); };
        await page.Locator("#run").ClickAsync();
        foreach (var model in new[] { PlaygroundServer.Small, PlaygroundServer.SmallQ8 })
            await Expect(Column(page, model)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bdone\b"), new() { Timeout = 30_000 });
        await Expect(page.Locator("#run-status")).ToContainTextAsync("Done in");

        Assert.Equal(2, chats.Count);
        foreach (var request in chats)
        {
            using var body = System.Text.Json.JsonDocument.Parse(request.PostData!);
            Assert.True(body.RootElement.GetProperty("stream").GetBoolean());
            Assert.Equal(1234, body.RootElement.GetProperty("options").GetProperty("seed").GetInt32());
        }
        var answers = new List<string>();
        foreach (var model in new[] { PlaygroundServer.Small, PlaygroundServer.SmallQ8 })
        {
            var (direct, _) = await server.ChatAsync(model, prompt, Sampled);
            var expected = direct.GetProperty("message").GetProperty("content").GetString()!;
            Assert.False(string.IsNullOrWhiteSpace(expected));
            var column = Column(page, model);
            Assert.Equal(expected, await column.Locator(".answer").TextContentAsync());
            var evalCount = direct.GetProperty("eval_count").GetInt32();
            await Expect(column.Locator(".stats")).ToContainTextAsync($"{evalCount} tokens");
            await Expect(column.Locator(".stats")).ToContainTextAsync("tokens/s");
            answers.Add(expected);
        }
        Assert.NotEqual(answers[0], answers[1]); // F32 and Q8_0 sample differently: the columns are not one answer twice
        await Chromium.ScreenshotAsync(page, "playground");
        Assert.Empty(chromium.Problems);
    }

    [Fact]
    public async Task A_profile_column_names_the_target_it_was_routed_to()
    {
        server.RequireModels();
        var page = await OpenAsync();
        await PickAsync(page, "learned");
        await PromptAsync(page, "Can you check this theorem for me?", "0", "7", "8");
        await page.Locator("#run").ClickAsync();
        var column = Column(page, "learned");
        await Expect(column).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bdone\b"), new() { Timeout = 30_000 });
        var routeId = await column.GetAttributeAsync("data-route-id");
        Assert.NotNull(routeId);
        var route = await server.GetJsonAsync($"api/routes/{routeId}");
        var target = route.GetProperty("answered_by").GetString();
        Assert.True(target == "small-q8", $"the trained router sends theorems to the strong tier: {route}");
        await Expect(column.Locator(".routed")).ToHaveAttributeAsync("data-target", target!);
        await Expect(column.Locator(".routed")).ToContainTextAsync($"routed to {target}");
        Assert.Empty(chromium.Problems);
    }

    [Fact]
    public async Task Stop_aborts_the_streams_and_the_target_sees_the_request_end()
    {
        var page = await OpenAsync();
        await PickAsync(page, "slow");
        await page.Locator("#prompt").FillAsync("Take your time.");
        await page.Locator("#run").ClickAsync();
        var column = Column(page, "slow");
        await Expect(column.Locator(".answer")).ToHaveTextAsync(SlowProvider.FirstWord, new() { Timeout = 20_000 });
        await Expect(page.Locator("#stop")).ToBeEnabledAsync();
        await page.Locator("#stop").ClickAsync();
        await Expect(column.Locator(".state")).ToHaveTextAsync("stopped");
        await Expect(page.Locator("#run-status")).ToContainTextAsync("Stopped after");
        await Expect(page.Locator("#stop")).ToBeDisabledAsync();
        await Expect(page.Locator("#run")).ToBeEnabledAsync();
        // The abort travels: browser → Takase → the remote target.
        await server.Slow.Aborted.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        Assert.Empty(chromium.Problems);
    }

    [Fact]
    public async Task An_unknown_model_fails_in_its_column_while_the_other_completes()
    {
        server.RequireModels();
        var page = await OpenAsync();
        await PickAsync(page, PlaygroundServer.Small);
        await page.Locator("#add-model-name").FillAsync("no-such-model");
        await page.Locator("#add-model button").ClickAsync();
        await PromptAsync(page, "Once upon a time", "0", "1", "12");
        await page.Locator("#run").ClickAsync();

        var failed = Column(page, "no-such-model");
        await Expect(failed.Locator(".state")).ToHaveTextAsync("failed", new() { Timeout = 30_000 });
        await Expect(failed.Locator(".error")).ToContainTextAsync("404");
        await Expect(failed.Locator(".error")).ToContainTextAsync("no-such-model");
        var ok = Column(page, PlaygroundServer.Small);
        await Expect(ok.Locator(".state")).ToHaveTextAsync("done", new() { Timeout = 30_000 });
        var (direct, _) = await server.ChatAsync(PlaygroundServer.Small, "Once upon a time", new { temperature = 0, seed = 1, num_predict = 12 });
        await Expect(ok.Locator(".answer")).ToHaveTextAsync(direct.GetProperty("message").GetProperty("content").GetString()!);
        await Expect(page.Locator("#run-status")).ToContainTextAsync("(1 failed)");
        await Chromium.ScreenshotAsync(page, "playground-error");
        Assert.Empty(chromium.Problems);
    }

    [Theory]
    [InlineData("/playground/", "text/html; charset=utf-8", "<title>Takase playground</title>")]
    [InlineData("/playground/ndjson.js", "text/javascript; charset=utf-8", "export async function* readNdjson")]
    [InlineData("/dashboard/", "text/html; charset=utf-8", "<title>Takase routing dashboard</title>")]
    [InlineData("/shared/api.js", "text/javascript; charset=utf-8", "export class PageApi")]
    public async Task The_pages_are_served_with_the_consoles_security_headers(string path, string contentType, string excerpt)
    {
        using var response = await server.Http.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.ToString());
        Assert.Contains(excerpt, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(WebConsole.ContentSecurityPolicy, string.Join(",", response.Headers.GetValues("Content-Security-Policy")));
        using var missing = await server.Http.GetAsync(path.TrimEnd('/') + "/none.js", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
