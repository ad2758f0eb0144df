using Takase.Routing.Decisions;

namespace Takase.Routing.Tests.Router;

public class RouteLogTests
{
    private static RouteDecision Decision(string id, params RouteHop[] hops) => new()
    {
        Id = id,
        CreatedAt = DateTimeOffset.UnixEpoch,
        Profile = "auto",
        Strategy = "rules",
        Candidates = [],
        Order = ["qwen"],
        Reason = "sent to qwen",
        Hops = hops,
    };

    [Fact]
    public void FindsByIdAndListsNewestFirst()
    {
        var log = new RouteLog();
        foreach (var id in new[] { "rt_a", "rt_b", "rt_c" }) log.Record(Decision(id));

        Assert.Equal("rt_b", log.Find("rt_b")!.Id);
        Assert.Null(log.Find("rt_x"));
        Assert.Equal(["rt_c", "rt_b"], log.Recent(2).Select(d => d.Id));
        Assert.Equal(["rt_c", "rt_b", "rt_a"], log.Recent(10).Select(d => d.Id));
        Assert.Empty(log.Recent(0));
    }

    [Fact]
    public void RecordingTheSameIdReplacesItInPlace()
    {
        var log = new RouteLog();
        log.Record(Decision("rt_a"));
        log.Record(Decision("rt_b"));
        log.Record(Decision("rt_a", new RouteHop("qwen", "ok", TimeSpan.FromMilliseconds(120))));

        Assert.Equal(2, log.Count);
        Assert.Equal("ok", Assert.Single(log.Find("rt_a")!.Hops).Outcome);
        Assert.Equal(["rt_b", "rt_a"], log.Recent(5).Select(d => d.Id));
    }

    [Fact]
    public void TheOldestAgeOutPastCapacity()
    {
        var log = new RouteLog(capacity: 3);
        for (var i = 0; i < 5; i++) log.Record(Decision($"rt_{i}"));
        Assert.Equal(3, log.Count);
        Assert.Null(log.Find("rt_0"));
        Assert.Null(log.Find("rt_1"));
        Assert.Equal(["rt_4", "rt_3", "rt_2"], log.Recent(10).Select(d => d.Id));
    }

    [Fact]
    public void ManyWritersAtOnceKeepItConsistent()
    {
        var log = new RouteLog(capacity: 500);
        Parallel.For(0, 2000, i =>
        {
            log.Record(Decision($"rt_{i}"));
            log.Find($"rt_{i / 2}");
            log.Recent(3);
        });
        Assert.Equal(500, log.Count);
        var recent = log.Recent(500);
        Assert.Equal(500, recent.Select(d => d.Id).Distinct().Count());
        Assert.All(recent, d => Assert.Same(d, log.Find(d.Id)));
    }
}
