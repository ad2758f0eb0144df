using System.Text.Json;
using Microsoft.Playwright;
using Takase.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Takase.Web.Tests;

/// <summary>
/// The dashboard's drawings of GET /api/router/evaluations and GET /api/evaluations, whose endpoints are not on this
/// branch yet: only those two URLs are intercepted and answered with JSON of their agreed contract; everything else
/// is the real server. After the endpoints are merged, these can record real runs instead.
/// </summary>
public sealed class DashboardContractTests(PlaygroundServer server, Chromium chromium) : IClassFixture<PlaygroundServer>, IClassFixture<Chromium>
{
    private static readonly object OlderRouterRun = new
    {
        id = "re_old",
        created = "2026-01-01T09:00:00Z",
        profile = "auto",
        strategy = "NGram",
        dataset = "gsm8k",
        apgr = 0.11,
        cpt = new Dictionary<string, double?> { ["20"] = 0.3, ["50"] = 0.6, ["80"] = 0.9 },
        curve = new[] { new { strong_share = 0.0, quality = 0.6, cost = 0.001 }, new { strong_share = 1.0, quality = 0.8, cost = 0.01 } },
    };

    // The newest run: six points, CPTs at 10 %, 25 % and 60 % strong calls.
    private static readonly object NewestRouterRun = new
    {
        id = "re_new",
        created = "2026-02-01T09:00:00Z",
        profile = "auto",
        strategy = "MatrixFactorization",
        dataset = "gsm8k",
        apgr = 0.642,
        cpt = new Dictionary<string, double?> { ["20"] = 0.1, ["50"] = 0.25, ["80"] = 0.6 },
        curve = new[]
        {
            new { strong_share = 0.0, quality = 0.637, cost = 0.0008 },
            new { strong_share = 0.2, quality = 0.73, cost = 0.0031 },
            new { strong_share = 0.4, quality = 0.79, cost = 0.0054 },
            new { strong_share = 0.6, quality = 0.82, cost = 0.0077 },
            new { strong_share = 0.8, quality = 0.85, cost = 0.0100 },
            new { strong_share = 1.0, quality = 0.858, cost = 0.0123 },
        },
    };

    private static object ModelRun(string id, string model, string created, double a, double b) => new
    {
        id,
        created,
        model,
        target = model,
        dataset = "jcommonsenseqa-sample",
        dataset_sha256 = "ab12",
        mode = "loglik",
        n = 20,
        accuracy = (a + b) / 2,
        accuracy_low = (a + b) / 2 - 0.2,
        accuracy_high = (a + b) / 2 + 0.2,
        acc_norm = (a + b) / 2,
        perplexity = (double?)null,
        duration_ms = 1234,
        categories = new[]
        {
            new { category = "daily-life", n = 10, correct = (int)(a * 10), accuracy = a, accuracy_low = a - 0.25, accuracy_high = Math.Min(1, a + 0.2) },
            new { category = "science", n = 10, correct = (int)(b * 10), accuracy = b, accuracy_low = b - 0.25, accuracy_high = Math.Min(1, b + 0.2) },
        },
    };

    private async Task<IPage> OpenWithAsync(object routerEvaluations, object modelEvaluations)
    {
        var page = await chromium.NewPageAsync();
        await Fulfil(page, "api/router/evaluations", routerEvaluations);
        await Fulfil(page, "api/evaluations", modelEvaluations);
        return page;
    }

    private async Task Fulfil(IPage page, string path, object body) =>
        await page.RouteAsync(new Uri(server.BaseAddress, path).ToString(), route => route.FulfillAsync(new()
        {
            Status = 200,
            ContentType = "application/json; charset=utf-8",
            Body = JsonSerializer.Serialize(body),
        }));

    [Fact]
    public async Task Contract_the_newest_router_evaluation_is_drawn_with_its_apgr_and_cpt()
    {
        var page = await OpenWithAsync(new { evaluations = new[] { OlderRouterRun, NewestRouterRun } }, new { evaluations = Array.Empty<object>() });
        await page.GotoAsync(new Uri(server.BaseAddress, "dashboard/").ToString());
        var figure = page.Locator("#curve figure.curve");
        await Expect(figure).ToHaveAttributeAsync("data-evaluation-id", "re_new");
        await Expect(figure.Locator(".apgr")).ToHaveTextAsync("APGR 0.642");
        await Expect(figure.Locator("span.cpt")).ToHaveTextAsync("CPT(20 %) = 10 % strong calls, CPT(50 %) = 25 % strong calls, CPT(80 %) = 60 % strong calls");
        await Expect(figure.Locator("circle")).ToHaveCountAsync(6);
        var shares = await figure.Locator("circle").EvaluateAllAsync<double[]>("cs => cs.map(c => Number(c.dataset.share))");
        Assert.Equal([0.0, 0.2, 0.4, 0.6, 0.8, 1.0], shares);
        Assert.Equal(6, (await figure.Locator("polyline.curve").GetAttributeAsync("points"))!.Split(' ').Length);
        await Expect(figure.Locator("line.cpt")).ToHaveCountAsync(3);
        // Costs are on the lower axis, interpolated along the curve: 0.0054 at 40 % strong calls.
        await Expect(figure.Locator("text.cost-tick").Nth(2)).ToHaveTextAsync("$0.0054");
        await Expect(page.Locator("#curve-empty")).ToBeHiddenAsync();
        await Chromium.ScreenshotAsync(page, "dashboard-router-eval");
        Assert.Empty(chromium.Problems);
    }

    [Fact]
    public async Task Contract_models_are_compared_per_category_with_interval_whiskers_and_a_table()
    {
        var page = await OpenWithAsync(new { evaluations = Array.Empty<object>() }, new
        {
            evaluations = new[]
            {
                ModelRun("ev_1", "stories260K:latest", "2026-02-01T10:00:00Z", 0.3, 0.5),
                ModelRun("ev_0", "stories260K:latest", "2026-01-01T10:00:00Z", 0.1, 0.1), // older: not drawn
                ModelRun("ev_2", "qwen2.5:0.5b", "2026-02-02T10:00:00Z", 0.7, 0.4),
            },
        });
        await page.GotoAsync(new Uri(server.BaseAddress, "dashboard/#/evals").ToString());
        await Expect(page.Locator("#evals-view")).ToBeVisibleAsync();
        var chart = page.Locator("#evals-chart svg");
        await Expect(chart).ToHaveAttributeAsync("aria-label", "Accuracy per category on jcommonsenseqa-sample: qwen2.5:0.5b, stories260K:latest");
        await Expect(chart.Locator("rect[data-model]")).ToHaveCountAsync(4);
        Assert.Equal("0.3", await chart.Locator("rect[data-model='stories260K:latest'][data-category='daily-life']").GetAttributeAsync("data-accuracy"));
        Assert.Equal("0.4", await chart.Locator("rect[data-model='qwen2.5:0.5b'][data-category='science']").GetAttributeAsync("data-accuracy"));
        await Expect(chart.Locator("g.whisker")).ToHaveCountAsync(4);
        await Expect(page.Locator("#evals-legend li")).ToHaveTextAsync(["qwen2.5:0.5b", "stories260K:latest"]);
        var rows = page.Locator("#evals-table tbody tr");
        await Expect(rows).ToHaveCountAsync(4);
        await Expect(page.Locator("#evals-table tr[data-model='qwen2.5:0.5b'][data-category='daily-life'] td").Nth(6)).ToHaveTextAsync("70.0 %");
        await Expect(page.Locator("#evals-empty")).ToBeHiddenAsync();
        await Chromium.ScreenshotAsync(page, "dashboard-evaluations");
        Assert.Empty(chromium.Problems);
    }

    [Fact]
    public async Task Contract_an_empty_list_shows_the_empty_state()
    {
        var page = await OpenWithAsync(new { evaluations = Array.Empty<object>() }, new { evaluations = Array.Empty<object>() });
        await page.GotoAsync(new Uri(server.BaseAddress, "dashboard/").ToString());
        await Expect(page.Locator("#curve-empty")).ToBeVisibleAsync();
        await page.Locator("#tab-evals").ClickAsync();
        await Expect(page.Locator("#evals-empty")).ToHaveTextAsync("No model evaluation recorded yet (takase eval MODEL DATASET).");
        Assert.Empty(chromium.Problems);
    }
}
