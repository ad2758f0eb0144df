using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Takase.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Takase.Web.Tests;

/// <summary>
/// The routing dashboard (/dashboard/) and GET /api/router/stats against a real server whose "learned" profile routes
/// real requests between two real tiny models: the stats count every stored decision for the target that answered
/// it, the page lists the decisions with their highlighted words and explanation, and its bars are the stats' counts.
/// </summary>
public sealed class DashboardTests(PlaygroundServer server, Chromium chromium) : IClassFixture<PlaygroundServer>, IClassFixture<Chromium>
{
    private static readonly object Short = new { temperature = 0, seed = 3, num_predict = 4 };
    private const string Theorem = "Can you check this theorem for me?";

    /// <summary>Three routed requests: a theorem (to the strong tier) and two stories; returns their route ids.</summary>
    private async Task<(string Theorem, string[] Stories)> RouteSomeAsync()
    {
        var (_, theorem) = await server.ChatAsync("learned", Theorem, Short);
        var (_, story1) = await server.ChatAsync("learned", "Tell me a story about a cat", Short);
        var (_, story2) = await server.ChatAsync("learned", "Write a short story for a child", Short);
        return (theorem!, [story1!, story2!]);
    }

    [Fact]
    public async Task Stats_count_each_stored_decision_for_the_target_that_answered_it_with_its_recorded_cost()
    {
        server.RequireModels();
        var (theorem, stories) = await RouteSomeAsync();
        var routes = (await server.GetJsonAsync("api/routes?limit=1000")).GetProperty("routes").EnumerateArray().ToList();
        Assert.Equal("small-q8", routes.Single(r => r.GetProperty("id").GetString() == theorem).GetProperty("answered_by").GetString());
        Assert.All(stories, id => Assert.Equal("small", routes.Single(r => r.GetProperty("id").GetString() == id).GetProperty("answered_by").GetString()));

        var stats = await server.GetJsonAsync("api/router/stats?bucket=hour");
        Assert.Equal("hour", stats.GetProperty("bucket").GetString());
        Assert.Equal("database", stats.GetProperty("source").GetString());
        Assert.Contains("estimated", stats.GetProperty("cost_basis").GetString());
        var buckets = stats.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(24, buckets.Count); // the default range: the last 24 hours, the empty ones too

        // Expected, from the decisions themselves: per hour and target, the count and the answering target's estimated cost.
        var expected = routes
            .GroupBy(r => (Hour: Hour(r.GetProperty("created_at").GetDateTimeOffset()), Target: r.GetProperty("answered_by").GetString()!))
            .ToDictionary(g => g.Key, g => (Requests: g.Count(), Cost: g.Sum(r => r.GetProperty("candidates").EnumerateArray()
                .Single(c => c.GetProperty("target").GetString() == g.Key.Target).GetProperty("estimated_cost").GetDouble())));
        var actual = new Dictionary<(DateTimeOffset, string), (int, double)>();
        foreach (var bucket in buckets)
            foreach (var target in bucket.GetProperty("targets").EnumerateObject())
                actual[(bucket.GetProperty("start").GetDateTimeOffset(), target.Name)] =
                    (target.Value.GetProperty("requests").GetInt32(), target.Value.GetProperty("cost").GetDouble());
        Assert.Equal(expected.Keys.OrderBy(k => k), actual.Keys.OrderBy(k => k));
        foreach (var (key, (requests, cost)) in expected)
        {
            Assert.Equal(requests, actual[key].Item1);
            Assert.Equal(cost, actual[key].Item2, 12);
            Assert.True(cost > 0, $"{key}: the targets are priced, so the estimate is positive");
        }
    }

    [Theory]
    [InlineData("bucket=week", "bucket must be 'hour' or 'day'")]
    [InlineData("since=yesterday", "since must be an ISO-8601 time")]
    [InlineData("since=2999-01-01T00:00:00Z", "is in the future")]
    [InlineData("bucket=hour&since=2020-01-01T00:00:00Z", "spans more than")]
    public async Task Bad_stats_queries_are_refused_naming_the_parameter(string query, string message)
    {
        using var response = await server.Http.GetAsync("api/router/stats?" + query, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Contains(message, body.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task The_page_lists_real_decisions_with_highlighted_words_and_draws_the_stats_counts()
    {
        server.RequireModels();
        var (theorem, stories) = await RouteSomeAsync();
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(new Uri(server.BaseAddress, "dashboard/").ToString());

        // (a) The decisions, newest first, each with the target that answered and the words that moved its score.
        var row = page.Locator($"#decisions-body tr[data-route-id='{theorem}']");
        await Expect(row).ToHaveCountAsync(1);
        foreach (var id in stories) await Expect(page.Locator($"#decisions-body tr[data-route-id='{id}']")).ToContainTextAsync("small");
        await Expect(row).ToContainTextAsync("small-q8");
        var route = await server.GetJsonAsync($"api/routes/{theorem}");
        var strongest = route.GetProperty("contributions").EnumerateArray().First(c => c.TryGetProperty("text", out _) && c.GetProperty("weight").GetDouble() > 0);
        var word = strongest.GetProperty("text").GetString()!;
        Assert.Contains(word.Trim(), Theorem, StringComparison.OrdinalIgnoreCase);
        var mark = row.Locator("td.words mark.pushes-up", new() { HasText = word }).First;
        await Expect(mark).ToHaveAttributeAsync("data-feature", strongest.GetProperty("feature").GetString()!);

        // Clicking the row opens its explanation: the console's own renderer, every text contribution marked.
        await row.ClickAsync();
        var detail = page.Locator("#decision-detail");
        await Expect(detail).ToBeVisibleAsync();
        await Expect(detail.Locator(".explanation .reason")).ToHaveTextAsync(route.GetProperty("reason").GetString()!);
        await Expect(detail.Locator(".explanation tr[data-target='small-q8']")).ToContainTextAsync("chosen");
        await Expect(detail.Locator("p.words mark.pushes-up", new() { HasText = word }).First).ToBeVisibleAsync();
        await Expect(detail.Locator(".contributions li", new() { HasText = "not marked" })).ToHaveCountAsync(0);

        // (b) The bars: per target, the segments add up to the stats' counts over the same range.
        // The page asks for the last 24 hours by hour, as this does.
        var since = DateTimeOffset.UtcNow.AddHours(-23).ToString("O", CultureInfo.InvariantCulture);
        var stats = await server.GetJsonAsync($"api/router/stats?bucket=hour&since={Uri.EscapeDataString(since)}");
        var totals = stats.GetProperty("buckets").EnumerateArray().SelectMany(b => b.GetProperty("targets").EnumerateObject())
            .GroupBy(t => t.Name).ToDictionary(g => g.Key, g => g.Sum(t => t.Value.GetProperty("requests").GetInt32()));
        Assert.True(totals["small"] >= 2 && totals["small-q8"] >= 1, string.Join(", ", totals));
        await page.Locator("#decisions-refresh").ClickAsync();
        foreach (var (target, requests) in totals)
        {
            await Expect(page.Locator($"#stats-totals tr[data-target='{target}'] td").Nth(1)).ToHaveTextAsync(requests.ToString(CultureInfo.InvariantCulture));
            var drawn = await page.Locator($"#stats-chart rect[data-target='{target}']").EvaluateAllAsync<int>(
                "rects => rects.reduce((sum, r) => sum + Number(r.dataset.requests), 0)");
            Assert.Equal(requests, drawn);
            await Expect(page.Locator($"#stats-legend li[data-series='{target}']")).ToBeVisibleAsync();
        }
        await Expect(page.Locator("#stats-chart svg")).ToHaveAttributeAsync("role", "img");
        await Expect(page.Locator("#stats-basis")).ToContainTextAsync("estimated");
        await Chromium.ScreenshotAsync(page, "dashboard");
        Assert.Empty(chromium.Problems);
    }

    [Fact]
    public async Task Without_recorded_evaluations_the_curve_and_the_evaluations_view_say_so()
    {
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(new Uri(server.BaseAddress, "dashboard/").ToString());
        await Expect(page.Locator("#curve-empty")).ToHaveTextAsync("No router evaluation recorded yet (takase router eval --save).");
        await Expect(page.Locator("#curve svg")).ToHaveCountAsync(0);
        await page.Locator("#tab-evals").ClickAsync();
        await Expect(page.Locator("#evals-empty")).ToHaveTextAsync("No model evaluation recorded yet (takase eval MODEL DATASET).");
        await Expect(page.Locator("#evals-toolbar")).ToBeHiddenAsync(); // no dataset to choose
        await Expect(page.Locator("#evals-table")).ToBeHiddenAsync();
        await Expect(page.Locator("#routing-view")).ToBeHiddenAsync();
        Assert.Empty(chromium.Problems);
    }

    private static DateTimeOffset Hour(DateTimeOffset t)
    {
        var utc = t.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }
}
