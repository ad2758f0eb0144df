using System.Text.Json;
using Takase.Routing.Learned;
using Takase.Tests.Support;

namespace Takase.Cli.Tests;

/// <summary><c>takase router train</c> and <c>takase router eval</c>, run as the real binary on a generated data file.</summary>
public class RouterCommandTests
{
    /// <summary>60 prompts; the strong model wins exactly on those asking for a proof (a signal every strategy can learn).</summary>
    private static string WriteData(TempDir dir)
    {
        var random = new Random(5);
        string[] filler = ["please", "tell", "me", "about", "the", "weather", "in", "tokyo", "today", "and", "tomorrow", "briefly"];
        var lines = Enumerable.Range(0, 60).Select(i =>
        {
            var words = Enumerable.Range(0, random.Next(5, 10)).Select(_ => filler[random.Next(filler.Length)]).ToList();
            words.Insert(random.Next(words.Count + 1), i % 2 == 0 ? "prove it rigorously" : "keep it cheerful");
            return JsonSerializer.Serialize(new { id = $"q{i}", prompt = string.Join(' ', words), scores = new Dictionary<string, double> { ["small"] = i % 2 == 0 ? 0 : 1, ["large"] = 1 } });
        });
        var path = dir.File("data.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void TrainWritesACalibratedRouterAndPrintsTheThreshold()
    {
        using var dir = new TempDir();
        var data = WriteData(dir);
        var output = dir.File("router.json");
        var r = TakaseProcess.Run(null, "router", "train", data, "--out", output, "--strong-share", "0.3");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("trained ngram on 60 prompts of data.jsonl", r.StdOut);
        Assert.Contains("weak small 0.5, strong large 1", r.StdOut);
        var model = RoutingModelFile.Load(output);
        Assert.Equal(("ngram", "small", "large", 60), (model.Kind, model.Weak, model.Strong, model.CalibrationScores.Count));
        var threshold = model.ThresholdForStrongShare(0.3);
        Assert.Contains($"threshold for 30% strong calls: {threshold.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture)}", r.StdOut);
    }

    [Fact]
    public void TrainWritesToTheProfilesModelPathFromConfiguration()
    {
        using var dir = new TempDir();
        var data = WriteData(dir);
        var target = dir.File("profiles/auto-router.json");
        var r = TakaseProcess.RunWith(new Dictionary<string, string> { ["TAKASE__Router__Profiles__auto__ModelPath"] = target }, null,
            "router", "train", data, "--profile", "auto", "--strategy", "similarity");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("similarity", RoutingModelFile.Load(target).Kind);

        var missing = TakaseProcess.Run(null, "router", "train", data, "--profile", "no-such-profile");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("profile 'no-such-profile' has no ModelPath", missing.StdErr);
    }

    [Fact]
    public void EvalWritesOutOfFoldPredictionsTheCurveAndAJsonReport()
    {
        using var dir = new TempDir();
        var data = WriteData(dir);
        var predictions = dir.File("predictions.jsonl");
        var svg = dir.File("curve.svg");
        var r = TakaseProcess.Run(null, "router", "eval", data, "--folds", "3", "--out", predictions, "--svg", svg, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var report = JsonDocument.Parse(r.StdOut);
        var root = report.RootElement;
        Assert.Equal(60, root.GetProperty("prompts").GetInt32());
        Assert.True(root.GetProperty("apgr").GetDouble() > 0.6, r.StdOut); // a perfect router scores .75 on this data
        Assert.Equal(0.5, root.GetProperty("random").GetProperty("apgr").GetDouble());
        Assert.True(root.GetProperty("cpt").GetProperty("50").GetDouble() < 0.5);
        Assert.True(root.GetProperty("latency_ms").GetProperty("p99").GetDouble() > 0);

        var lines = File.ReadAllLines(predictions);
        Assert.Equal(60, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            using var line = JsonDocument.Parse(lines[i]);
            Assert.Equal($"q{i}", line.RootElement.GetProperty("id").GetString());
            Assert.InRange(line.RootElement.GetProperty("strong_score").GetDouble(), 0, 1);
        }
        Assert.StartsWith("<svg", File.ReadAllText(svg));
    }

    [Fact]
    public void EvalPrintsTheMetricsTheCurveAndTheLatency()
    {
        using var dir = new TempDir();
        var r = TakaseProcess.Run(null, "router", "eval", WriteData(dir), "--folds", "3", "--strategy", "mf");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("mf router, 3-fold cross-validation", r.StdOut);
        Assert.Contains("router      APGR   CPT(20%)  CPT(50%)  CPT(80%)", r.StdOut);
        Assert.Contains("random      0.500     20.0%     50.0%     80.0%", r.StdOut);
        Assert.Contains("        100%   1.0000   1.000   1.0000", r.StdOut);
        Assert.Matches(@"decision latency over 1000 decisions: p50 \d+\.\d{3} ms, p99 \d+\.\d{3} ms", r.StdOut);
    }

    [Fact]
    public void BadLinesAreRejectedWithTheirNumbers()
    {
        using var dir = new TempDir();
        var path = dir.File("bad.jsonl");
        File.WriteAllLines(path,
        [
            """{"id": "1", "prompt": "a", "scores": {"w": 0, "s": 1}}""",
            """{"id": "2", "prompt": "b", "scores": {"w": 0, "s": 1}}""",
            """{"id": "3", "prompt": "c", "scores": {"w": 0}}""",
            """{"id": "4", "scores": {"w": 0, "s": 1}}""",
        ]);
        var r = TakaseProcess.Run(null, "router", "eval", path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("bad.jsonl: 2 bad lines", r.StdErr);
        Assert.Contains("line 3: id '3'", r.StdErr);
        Assert.Contains("line 4: id '4': no \"prompt\" text", r.StdErr);
        Assert.Equal("", r.StdOut);

        var unknown = TakaseProcess.Run(null, "router", "train", path, "--strategy", "forest");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("unknown routing strategy 'forest'", unknown.StdErr);
    }
}
