using Takase.Routing.Data;

namespace Takase.Routing.Tests.Data;

public class RoutingDatasetTests
{
    private static RoutingDataset Parse(string text, RoutingDatasetOptions? options = null) =>
        RoutingDataset.Parse(new StringReader(text), "test.jsonl", options);

    [Fact]
    public void EveryBadLineIsListedWithItsNumber()
    {
        var text = string.Join('\n',
            """{"id": "a", "prompt": "fine", "scores": {"w": 0, "s": 1}}""",
            """{"id": "b", "prompt": "no strong score", "scores": {"w": 1}}""",
            "",
            """{"id": "c", "prompt": "text score", "scores": {"w": 1, "s": "high"}}""",
            """{"id": "d", "scores": {"w": 1, "s": 0}}""",
            """not json""",
            """{"id": "a", "prompt": "repeated id", "scores": {"w": 1, "s": 0}}""");
        var e = Assert.Throws<RoutingDataException>(() => Parse(text));
        Assert.StartsWith("test.jsonl: 5 bad lines", e.Message);
        Assert.Contains("line 2: id 'b': \"scores\" needs at least two models", e.Message);
        Assert.Contains("line 4: id 'c': score of 's' is \"high\", not a number", e.Message);
        Assert.Contains("line 5: id 'd': no \"prompt\" text", e.Message);
        Assert.Contains("line 6: not valid JSON", e.Message);
        Assert.Contains("line 7: id 'a' repeats line 1", e.Message);
        Assert.DoesNotContain("line 1:", e.Message);
    }

    [Fact]
    public void AMissingScoreForTheNamedPairIsRejectedWithItsLine()
    {
        var text = """
            {"id": "a", "prompt": "p", "scores": {"w": 0, "s": 1, "x": 1}}
            {"id": "b", "prompt": "p", "scores": {"w": 0, "x": 1}}
            """;
        var e = Assert.Throws<RoutingDataException>(() => Parse(text, new RoutingDatasetOptions { Weak = "w", Strong = "s" }));
        Assert.Contains("line 2: no score for 's'", e.Message);
    }

    [Fact]
    public void TheErrorListStopsAtTheLimitAndCountsTheRest()
    {
        var lines = Enumerable.Range(1, 30).Select(i => $$$"""{"id": "{{{i}}}", "prompt": "p", "scores": {"w": 0}}""");
        var e = Assert.Throws<RoutingDataException>(() => Parse(string.Join('\n', lines), new RoutingDatasetOptions { MaxReportedErrors = 5 }));
        Assert.Contains("line 5:", e.Message);
        Assert.DoesNotContain("line 6:", e.Message);
        Assert.Contains("and 25 more", e.Message);
    }

    [Fact]
    public void TheLowerMeanModelIsWeakAndTiesMeanWeakIsEnough()
    {
        var data = Parse("""
            {"id": "1", "prompt": "a", "scores": {"big": 1, "small": 0}}
            {"id": "2", "prompt": "b", "scores": {"big": 1, "small": 1}}
            {"id": "3", "prompt": "c", "scores": {"big": 0, "small": 1}}
            {"id": "4", "prompt": "d", "scores": {"big": 1, "small": 0}, "turns": ["d", "e"], "category": "math"}
            """);
        Assert.Equal("small", data.Weak);
        Assert.Equal("big", data.Strong);
        Assert.Equal([true, false, false, true], Enumerable.Range(0, 4).Select(data.StrongWins));
        Assert.Equal([1.0, 0, -1, 1], Enumerable.Range(0, 4).Select(data.Gap));
        Assert.Equal(0.5, data.WeakMean);
        Assert.Equal(0.75, data.StrongMean);
        Assert.Equal(["d", "e"], data.Examples[3].Turns!);
        Assert.Equal("math", data.Examples[3].Category);
    }

    [Fact]
    public void NamingOneModelPicksTheOtherAndUnknownNamesAreRefused()
    {
        const string text = """{"id": "1", "prompt": "a", "scores": {"big": 1, "small": 0}}""";
        Assert.Equal("small", Parse(text, new RoutingDatasetOptions { Weak = "big" }).Strong);
        var e = Assert.Throws<RoutingDataException>(() => Parse(text, new RoutingDatasetOptions { Weak = "tiny", Strong = "big" }));
        Assert.Contains("--weak 'tiny' is not scored", e.Message);
        var three = Assert.Throws<RoutingDataException>(() => Parse("""{"id": "1", "prompt": "a", "scores": {"a": 1, "b": 0, "c": 1}}"""));
        Assert.Contains("name the pair with --weak and --strong", three.Message);
    }

    [Fact]
    public void FoldsAreDeterministicAndBalanced()
    {
        var a = KFold.Assign(103, 5, seed: 3);
        Assert.Equal(a, KFold.Assign(103, 5, seed: 3));
        Assert.NotEqual(a, KFold.Assign(103, 5, seed: 4));
        Assert.All(Enumerable.Range(0, 5), f => Assert.InRange(a.Count(x => x == f), 20, 21));
    }
}
