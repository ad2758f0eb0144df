using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Takase.Tests.Support;

namespace Takase.Cli.Tests;

/// <summary>`takase bench`: llama-bench's table and JSON, from real timed runs of stories260K (small sizes, so fast).</summary>
public class BenchCommandTests
{
    [Fact]
    public void TablePrintsOneRowPerTestLikeLlamaBench()
    {
        var r = TakaseProcess.Run(null, "bench", SharedData.Path("models/stories260K.gguf"), "-p", "16,0", "-n", "8", "-t", "1,2", "-r", "2");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var lines = r.StdOut.Split('\n');
        Assert.Matches(@"^\| model\s+\|\s+size \|\s+params \| backend\s+\| threads \|\s+test \|\s+t/s \|$", lines[0]);
        Assert.Matches(@"^\| -+ \| -+: \| -+: \| -+ \| -+: \| -+: \| -+: \|$", lines[1]);
        var rows = lines.Where(l => l.StartsWith("| llama", StringComparison.Ordinal)).ToList();
        // Per thread count: pp16 then tg8 (-p 0 adds no test).
        Assert.Equal(["1 pp16", "1 tg8", "2 pp16", "2 tg8"], rows.Select(row =>
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries);
            return $"{cells[5]} {cells[6]}";
        }));
        foreach (var row in rows)
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries);
            Assert.Equal("llama 260K F32", cells[1]);
            Assert.Matches(@"^\d+\.\d\d MiB$", cells[2]);
            Assert.Equal("0.26 M", cells[3]);
            Assert.Equal("CPU", cells[4]);
            var speed = Regex.Match(cells[7], @"^(\d+\.\d\d) ± (\d+\.\d\d)$");
            Assert.True(speed.Success, cells[7]);
            Assert.True(double.Parse(speed.Groups[1].Value, CultureInfo.InvariantCulture) > 0);
        }
        Assert.Matches(@"peak memory: \d+\.\d\d MiB", r.StdOut);
    }

    [Fact]
    public void JsonHasLlamaBenchsFieldsAndOneSamplePerRepetition()
    {
        var model = SharedData.Path("models/stories260K-Q8_0.gguf");
        var r = TakaseProcess.Run(null, "bench", model, "-p", "8", "-n", "4", "-t", "1", "-r", "3", "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        var tests = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, tests.Count);
        Assert.Equal((8, 0), (tests[0].GetProperty("n_prompt").GetInt32(), tests[0].GetProperty("n_gen").GetInt32()));
        Assert.Equal((0, 4), (tests[1].GetProperty("n_prompt").GetInt32(), tests[1].GetProperty("n_gen").GetInt32()));
        foreach (var t in tests)
        {
            foreach (var field in new[] { "build_commit", "build_number", "cpu_info", "backends", "model_filename", "model_type", "model_size",
                         "model_n_params", "n_threads", "n_prompt", "n_gen", "test_time", "avg_ns", "stddev_ns", "avg_ts", "stddev_ts", "samples_ns", "samples_ts" })
                Assert.True(t.TryGetProperty(field, out _), $"missing {field}");
            Assert.Equal("stories260K-Q8_0.gguf", t.GetProperty("model_filename").GetString());
            // The weights' bytes: most of the file, never more than it.
            Assert.InRange(t.GetProperty("model_size").GetInt64(), new FileInfo(model).Length / 2, new FileInfo(model).Length);
            Assert.Equal(1, t.GetProperty("n_threads").GetInt32());
            var ns = t.GetProperty("samples_ns").EnumerateArray().Select(x => x.GetInt64()).ToList();
            var ts = t.GetProperty("samples_ts").EnumerateArray().Select(x => x.GetDouble()).ToList();
            Assert.Equal(3, ns.Count);
            Assert.Equal(3, ts.Count);
            Assert.All(ns, x => Assert.True(x > 0));
            var tokens = t.GetProperty("n_prompt").GetInt32() + t.GetProperty("n_gen").GetInt32();
            // t/s of each sample is the tokens over its time; the average is their mean.
            for (var i = 0; i < 3; i++) Assert.Equal(1e9 * tokens / ns[i], ts[i], 6);
            Assert.Equal(ts.Average(), t.GetProperty("avg_ts").GetDouble(), 6);
            Assert.Equal((long)Math.Round(ns.Average()), t.GetProperty("avg_ns").GetInt64());
            Assert.True(t.GetProperty("stddev_ts").GetDouble() >= 0);
            Assert.True(DateTimeOffset.TryParse(t.GetProperty("test_time").GetString(), CultureInfo.InvariantCulture, out _));
        }
        Assert.Contains("peak memory", r.StdErr); // stdout stays pure JSON
    }

    [Fact]
    public void BadListsAreClearErrors()
    {
        var r = TakaseProcess.Run(null, "bench", SharedData.Path("models/stories260K.gguf"), "-p", "16,abc");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("\"abc\"", r.StdErr);
        var none = TakaseProcess.Run(null, "bench", SharedData.Path("models/stories260K.gguf"), "-p", "0", "-n", "0");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("nothing to measure", none.StdErr);
    }
}
