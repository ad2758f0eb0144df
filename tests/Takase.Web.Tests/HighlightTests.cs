using Takase.Web.Tests.Support;

namespace Takase.Web.Tests;

/// <summary>
/// The console's highlighting module (console/highlight.js) run in the browser on its own: where each contribution is
/// placed, and which are left unmarked.
/// </summary>
public sealed class HighlightTests(OpenServer fixture, Chromium chromium) : IClassFixture<OpenServer>, IClassFixture<Chromium>
{
    private sealed record Range(int Start, int End, string Feature);

    private async Task<Range[]> RangesAsync(string text, object[] contributions)
    {
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(fixture.Server.ConsoleAddress.ToString());
        var json = await page.EvaluateAsync<System.Text.Json.JsonElement>("""
            async ([text, contributions]) => {
              const { contributionRanges } = await import('./highlight.js');
              return contributionRanges(text, contributions).map(r => ({ start: r.start, end: r.end, feature: r.contribution.feature }));
            }
            """, new object[] { text, contributions });
        return [.. json.EnumerateArray().Select(r => new Range(r.GetProperty("start").GetInt32(), r.GetProperty("end").GetInt32(), r.GetProperty("feature").GetString()!))];
    }

    [Fact]
    public async Task Stated_positions_are_used_in_utf16_units_and_overlaps_keep_the_stronger()
    {
        const string text = "😀 証明してください: 証明は難しい";
        // UTF-16: the emoji is two units, so "証明" occurs at 3 and at 13 ("証明は"), where code points would say 2 and 12.
        Assert.Equal(("証明", "証明は"), (text[3..5], text[13..16]));
        var ranges = await RangesAsync(text,
        [
            new { feature = "ngram:証明は", weight = 0.9, text = "証明は", start = 13, length = 3 },
            new { feature = "ngram:明は", weight = 0.5, text = "明は", start = 14, length = 2 },
            new { feature = "ngram:証明", weight = 0.4, text = "証明", start = 3, length = 2 },
            new { feature = "stat:length", weight = 0.3, start = -1, length = 0 },
        ]);
        Assert.Equal([new Range(3, 5, "ngram:証明"), new Range(13, 16, "ngram:証明は")], ranges);

        // The stated occurrence wins over an earlier one of the same text.
        var second = await RangesAsync(text, [new { feature = "ngram:証明", weight = 0.4, text = "証明", start = 13, length = 2 }]);
        Assert.Equal([new Range(13, 15, "ngram:証明")], second);
    }

    [Fact]
    public async Task A_contribution_whose_position_no_longer_matches_is_found_by_its_text_or_left_out()
    {
        // The router scored the redacted text ("<EMAIL_1>"); the ticket holds the original, so positions shifted.
        const string text = "連絡先は taro@example.jp です。至急返金してください。";
        var ranges = await RangesAsync(text,
        [
            new { feature = "ngram:返金", weight = 0.8, text = "返金", start = 19, length = 2 },
            new { feature = "ngram:<EMAIL", weight = 0.2, text = "<EMAIL", start = 5, length = 6 },
        ]);
        var refund = text.IndexOf("返金", StringComparison.Ordinal);
        Assert.NotEqual(19, refund);
        Assert.Equal([new Range(refund, refund + 2, "ngram:返金")], ranges);
    }
}
