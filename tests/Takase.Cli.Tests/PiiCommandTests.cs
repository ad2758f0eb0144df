using System.Text.Json;
using Takase.Tests.Support;

namespace Takase.Cli.Tests;

public class PiiCommandTests
{
    private const string Text = "山田太郎様のメールはｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ、電話は090-1234-5678です。";

    [Fact]
    public void ScanPrintsJsonWithOriginalSpans()
    {
        var r = TakaseProcess.Run(Text, "pii", "scan", "--json");
        Assert.Equal(0, r.ExitCode);
        var entities = JsonDocument.Parse(r.StdOut).RootElement.EnumerateArray().ToArray();
        Assert.Equal(["PERSON", "EMAIL", "PHONE"], entities.Select(e => e.GetProperty("type").GetString()).ToArray());
        foreach (var e in entities)
        {
            var start = e.GetProperty("start").GetInt32();
            var end = e.GetProperty("end").GetInt32();
            Assert.Equal(Text[start..end], e.GetProperty("text").GetString());
            Assert.InRange(e.GetProperty("score").GetDouble(), 0.4, 1.0);
        }
        Assert.Equal("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", entities[1].GetProperty("text").GetString());
    }

    [Fact]
    public void ScanPrintsATable()
    {
        var r = TakaseProcess.Run("Call +1 (415) 555-0134 or mail sarah@example.com", "pii", "scan", "--lang", "en");
        Assert.Equal(0, r.ExitCode);
        var lines = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToArray();
        Assert.Matches(@"^TYPE\s+START\s+END\s+SCORE\s+TEXT$", lines[0]);
        Assert.Matches(@"^PHONE\s+5\s+22\s+[01]\.\d\d\s+\+1 \(415\) 555-0134$", lines[1]);
        Assert.Matches(@"^EMAIL\s+31\s+48\s+[01]\.\d\d\s+sarah@example\.com$", lines[2]);
    }

    [Fact]
    public void ScanSaysWhenNothingIsFound()
    {
        var r = TakaseProcess.Run("version 1.2.3.4 shipped on 2024-03-15", "pii", "scan");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("no personal data found\n", r.StdOut);
    }

    [Fact]
    public void ScanRejectsAnUnknownLanguage()
    {
        var r = TakaseProcess.Run("x", "pii", "scan", "--lang", "fr");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("unknown PII language 'fr': use ja, en or auto", r.StdErr);
    }

    [Fact]
    public void EvalReportsTheTargetsOnTheRepositorySet()
    {
        var r = TakaseProcess.Run(null, "pii", "eval", "--json");
        Assert.Equal(0, r.ExitCode);
        var root = JsonDocument.Parse(r.StdOut).RootElement;
        Assert.True(root.GetProperty("samples").GetInt32() >= 150);
        Assert.True(root.GetProperty("overall").GetProperty("recall").GetDouble() >= 0.95, r.StdOut);
        Assert.True(root.GetProperty("overall").GetProperty("precision").GetDouble() >= 0.9, r.StdOut);
        var types = root.GetProperty("types");
        foreach (var type in new[] { "EMAIL", "PHONE", "MY_NUMBER", "CORPORATE_NUMBER", "CREDIT_CARD", "POSTAL_CODE", "IP_ADDRESS", "IBAN", "DATE_OF_BIRTH", "URL_CREDENTIALS", "PERSON", "ADDRESS" })
            Assert.True(types.GetProperty(type).GetProperty("support").GetInt32() > 0, type);
    }

    [Fact]
    public void EvalScoresAGivenSetAsATable()
    {
        using var dir = new TempDir();
        var set = dir.File("set.jsonl");
        File.WriteAllLines(set,
        [
            """{"text":"mail a@example.com","lang":"en","entities":[{"type":"EMAIL","start":5,"end":18}]}""",
            """{"text":"電話 03-1234-5678","lang":"ja","entities":[]}""",
        ]);
        var r = TakaseProcess.Run(null, "pii", "eval", "--set", set);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"2 samples from {set}", r.StdOut);
        Assert.Matches(@"(?m)^EMAIL\s+1\s+1\s+0\s+0\s+1\.000\s+1\.000\s+1\.000\s*$", r.StdOut);
        Assert.Matches(@"(?m)^PHONE\s+0\s+0\s+1\s+0\s+0\.000\s+1\.000\s+0\.000\s*$", r.StdOut);
        Assert.Matches(@"(?m)^OVERALL\s+1\s+1\s+1\s+0\s+0\.500\s+1\.000\s+0\.667\s*$", r.StdOut);
    }

    [Fact]
    public void EvalNamesAMissingSet()
    {
        var r = TakaseProcess.Run(null, "pii", "eval", "--set", "/nonexistent/set.jsonl");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("labelled PII set /nonexistent/set.jsonl does not exist", r.StdErr);
    }
}
