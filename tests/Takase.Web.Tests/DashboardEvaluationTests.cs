using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Takase.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Takase.Web.Tests;

/// <summary>
/// The dashboard's drawings of recorded evaluations, against a real server whose database holds runs posted through
/// its API as the CLI's <c>--save</c> posts them (<see cref="RecordedEvaluations"/>): the newest router evaluation's
/// curve with its APGR and CPT, and the models per category with their 95 % intervals, for every dataset in turn.
/// Expected numbers come from the stored runs and the router reports they were computed from, formatted as the page
/// formats them.
/// </summary>
public sealed class DashboardEvaluationTests(RecordedEvaluations recorded, Chromium chromium) : IClassFixture<RecordedEvaluations>, IClassFixture<Chromium>
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // The bar chart's vertical scale (evals.js): 280 px high, 14 above the plot and 28 below, accuracy 0 at the bottom.
    private const double ChartTop = 14, PlotHeight = 280 - 14 - 28;

    private PlaygroundServer Server => recorded.Server;

    [Fact]
    public async Task The_newest_router_evaluation_is_drawn_with_its_apgr_cpt_and_curve()
    {
        var runs = (await Server.GetJsonAsync("api/router/evaluations")).GetProperty("evaluations").EnumerateArray().ToList();
        Assert.Equal(2, runs.Count);
        var id = runs[0].GetProperty("id").GetString()!; // newest first, as the page picks it
        var report = recorded.RouterReports[id];
        Assert.Equal(report.Apgr, runs[0].GetProperty("apgr").GetDouble());
        Assert.True(report.Apgr > Takase.Routing.Evaluation.RoutingReport.RandomApgr, $"an n-gram router tells theorems from stories, yet APGR is {report.Apgr}");
        var reached = report.Cpt.Where(p => p.Value is not null).OrderBy(p => p.Key).ToList();
        Assert.NotEmpty(reached);

        var page = await OpenAsync("dashboard/");
        var figure = page.Locator("#curve figure.curve");
        await Expect(figure).ToHaveAttributeAsync("data-evaluation-id", id);
        await Expect(figure.Locator("figcaption strong")).ToHaveTextAsync("learned · ngram on synthetic");
        await Expect(figure.Locator(".apgr")).ToHaveTextAsync($"APGR {Significant(report.Apgr)}");
        await Expect(figure.Locator("span.cpt")).ToHaveTextAsync(string.Join(", ",
            reached.Select(p => $"CPT({p.Key} %) = {(p.Value!.Value * 100).ToString("0", Inv)} % strong calls")));
        await Expect(figure.Locator("line.cpt")).ToHaveCountAsync(reached.Count);
        await Expect(figure.Locator("circle")).ToHaveCountAsync(report.Curve.Count);
        var shares = await figure.Locator("circle").EvaluateAllAsync<double[]>("cs => cs.map(c => Number(c.dataset.share))");
        Assert.Equal(report.Curve.Select(p => p.StrongShare).Order(), shares);
        var qualities = await figure.Locator("circle").EvaluateAllAsync<double[]>("cs => cs.map(c => Number(c.dataset.quality))");
        Assert.Equal(report.Curve.OrderBy(p => p.StrongShare).Select(p => p.Quality), qualities);
        // Cost per point as router eval --save stores it: the strong share, so the axis reads 0.4 at 40 % strong calls.
        await Expect(figure.Locator("text.cost-tick").Nth(2)).ToHaveTextAsync("$0.4");
        await Expect(page.Locator("#curve-empty")).ToBeHiddenAsync();
        await Chromium.ScreenshotAsync(page, "dashboard-router-eval");
        Assert.Empty(chromium.Problems);
    }

    [Fact]
    public async Task Models_are_compared_per_category_with_interval_whiskers_and_every_newest_run_is_in_the_table()
    {
        var newest = await NewestRunsAsync();
        var shown = newest.Where(r => Dataset(r) == RecordedEvaluations.Choice).ToList();
        Assert.Equal([PlaygroundServer.SmallQ8, PlaygroundServer.Small], shown.Select(Model).Order(StringComparer.Ordinal));

        var page = await OpenAsync("dashboard/#/evals");
        await Expect(page.Locator("#evals-view")).ToBeVisibleAsync();
        var chart = page.Locator("#evals-chart svg");
        await Expect(chart).ToHaveAttributeAsync("aria-label", $"Accuracy per category on {RecordedEvaluations.Choice}: {string.Join(", ", shown.Select(Model))}");
        await ExpectBarsAsync(chart, shown);
        await Expect(page.Locator("#evals-legend li")).ToHaveTextAsync(shown.Select(Model).ToArray());

        // The table: every model's newest run on every dataset, a row per category, with the stored numbers.
        await Expect(page.Locator("#evals-table tbody tr")).ToHaveCountAsync(newest.Sum(r => Categories(r).Count));
        foreach (var run in newest)
            foreach (var c in Categories(run))
            {
                var cells = page.Locator($"#evals-table tr[data-model='{Model(run)}'][data-category='{Text(c, "category")}'] td");
                string[] expected = [Model(run), Dataset(run), Text(run, "mode"), Text(c, "category"), c.GetProperty("n").GetInt32().ToString(Inv),
                    c.GetProperty("correct").GetInt32().ToString(Inv), Pct(c, "accuracy"), $"{Pct(c, "accuracy_low")}–{Pct(c, "accuracy_high")}"];
                for (var i = 0; i < expected.Length; i++) await Expect(cells.Nth(i)).ToHaveTextAsync(expected[i]); // then the time
            }
        await Expect(page.Locator("#evals-empty")).ToBeHiddenAsync();
        await Chromium.ScreenshotAsync(page, "dashboard-evaluations");
        Assert.Empty(chromium.Problems);
    }

    [Fact]
    public async Task Every_dataset_can_be_chosen_for_the_chart()
    {
        var newest = await NewestRunsAsync();
        var generative = newest.Where(r => Dataset(r) == RecordedEvaluations.Generative).ToList();

        var page = await OpenAsync("dashboard/#/evals");
        var select = page.Locator("#evals-dataset");
        // The dataset most models ran on comes first and is drawn at first.
        await Expect(select.Locator("option")).ToHaveTextAsync([$"{RecordedEvaluations.Choice} (2 models)", $"{RecordedEvaluations.Generative} (1 model)"]);
        await Expect(select).ToHaveValueAsync(RecordedEvaluations.Choice);
        var chart = page.Locator("#evals-chart svg");
        await Expect(chart.Locator("rect[data-model]")).ToHaveCountAsync(4);

        await select.SelectOptionAsync(RecordedEvaluations.Generative);
        await Expect(chart).ToHaveAttributeAsync("aria-label", $"Accuracy per category on {RecordedEvaluations.Generative}: {PlaygroundServer.SmallQ8}");
        await ExpectBarsAsync(chart, generative);
        await Expect(page.Locator("#evals-legend li")).ToHaveTextAsync([PlaygroundServer.SmallQ8]);
        await Expect(page.Locator("#evals-chart p")).ToContainTextAsync(RecordedEvaluations.Generative);
        await Expect(page.Locator("#evals-table tbody tr")).ToHaveCountAsync(newest.Sum(r => Categories(r).Count)); // the table still lists all
        await Chromium.ScreenshotAsync(page, "dashboard-evaluations-second-dataset");

        await select.SelectOptionAsync(RecordedEvaluations.Choice);
        await Expect(chart).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex($"on {RecordedEvaluations.Choice}:"));
        await Expect(chart.Locator("rect[data-model]")).ToHaveCountAsync(4);
        Assert.Empty(chromium.Problems);
    }

    /// <summary>A bar per (run, category) with the stored accuracy, its tooltip, and a whisker spanning the stored interval.</summary>
    private static async Task ExpectBarsAsync(ILocator chart, List<JsonElement> runs)
    {
        await Expect(chart.Locator("rect[data-model]")).ToHaveCountAsync(runs.Sum(r => Categories(r).Count));
        await Expect(chart.Locator("g.whisker")).ToHaveCountAsync(runs.Sum(r => Categories(r).Count));
        foreach (var run in runs)
            foreach (var c in Categories(run))
            {
                var at = $"[data-model='{Model(run)}'][data-category='{Text(c, "category")}']";
                var bar = chart.Locator($"rect{at}");
                Assert.Equal(c.GetProperty("accuracy").GetDouble(), double.Parse((await bar.GetAttributeAsync("data-accuracy"))!, Inv));
                await Expect(bar.Locator("title")).ToHaveTextAsync($"{Model(run)} · {Text(c, "category")}: {Pct(c, "accuracy")} of {c.GetProperty("n").GetInt32()} "
                    + $"(95 % {Pct(c, "accuracy_low")}–{Pct(c, "accuracy_high")})");
                var stem = chart.Locator($"g.whisker{at} line").First;
                Assert.Equal(Y(c.GetProperty("accuracy_low").GetDouble()), double.Parse((await stem.GetAttributeAsync("y1"))!, Inv), 6);
                Assert.Equal(Y(c.GetProperty("accuracy_high").GetDouble()), double.Parse((await stem.GetAttributeAsync("y2"))!, Inv), 6);
            }
    }

    private async Task<IPage> OpenAsync(string path)
    {
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(new Uri(Server.BaseAddress, path).ToString());
        return page;
    }

    /// <summary>The newest stored run of each (model, dataset), as the page keeps them: the API lists newest first.</summary>
    private async Task<List<JsonElement>> NewestRunsAsync()
    {
        var all = (await Server.GetJsonAsync("api/evaluations")).GetProperty("evaluations").EnumerateArray().ToList();
        Assert.Equal(4, all.Count);
        return all.GroupBy(r => (Model(r), Dataset(r))).Select(g => g.First()).ToList();
    }

    private static double Y(double accuracy) => ChartTop + PlotHeight - accuracy * PlotHeight;

    private static string Model(JsonElement run) => Text(run, "model");
    private static string Dataset(JsonElement run) => Text(run, "dataset");
    private static string Text(JsonElement e, string name) => e.GetProperty(name).GetString()!;
    private static List<JsonElement> Categories(JsonElement run) => run.GetProperty("categories").EnumerateArray().ToList();

    /// <summary>A stored share as the page prints it: one decimal of a percent.</summary>
    private static string Pct(JsonElement e, string name) => (e.GetProperty(name).GetDouble() * 100).ToString("0.0", Inv) + " %";

    /// <summary>A number as the page's <c>Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 })</c> prints it (for |x| &lt; 1000).</summary>
    private static string Significant(double x) => x.ToString("G3", Inv);
}
