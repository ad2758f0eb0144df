// CLI output snapshots: expected outputs live in tests/Takase.Cli.Tests/Snapshots/<name>.txt and are compared after
// Normalize() replaces what varies between runs (times, sizes, ports, temporary folders).
//
// To accept new output (after a deliberate change), run the tests with TAKASE_UPDATE_SNAPSHOTS=1, review the diff
// with `git diff tests/Takase.Cli.Tests/Snapshots` and commit it:
//
//     TAKASE_UPDATE_SNAPSHOTS=1 dotnet test --project tests/Takase.Cli.Tests -c Release -- --filter-class "Takase.Cli.Tests.CliSnapshotTests"
//
// A mismatch fails with a line diff (- expected, + actual).

using System.Text;
using System.Text.RegularExpressions;

namespace Takase.Cli.Tests;

/// <summary>Compares CLI output with committed snapshot files; see the comment at the top of this file to update them.</summary>
public static partial class Snapshot
{
    /// <summary>Asserts that <paramref name="actual"/> (normalised) equals Snapshots/<paramref name="name"/>.txt, or rewrites it when TAKASE_UPDATE_SNAPSHOTS=1.</summary>
    public static void Match(string name, string actual, IReadOnlyDictionary<string, string>? replacements = null)
    {
        var normalized = Normalize(actual, replacements);
        var path = Path.Combine(Folder(), name + ".txt");
        if (Environment.GetEnvironmentVariable("TAKASE_UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, normalized, new UTF8Encoding(false));
            return;
        }
        Assert.True(File.Exists(path), $"no snapshot {path}; run with TAKASE_UPDATE_SNAPSHOTS=1 to write it, then review and commit it");
        var expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        if (expected != normalized)
            Assert.Fail($"output differs from snapshot {name}.txt (TAKASE_UPDATE_SNAPSHOTS=1 rewrites it):\n{Diff(expected, normalized)}");
    }

    /// <summary>
    /// Replaces what varies between runs and machines with placeholders: the given literal strings (folders) first,
    /// then relative times, sizes and loopback ports; a placeholder's cell padding and trailing spaces are made fixed.
    /// </summary>
    public static string Normalize(string text, IReadOnlyDictionary<string, string>? replacements = null)
    {
        text = text.ReplaceLineEndings("\n");
        foreach (var (from, to) in (replacements ?? new Dictionary<string, string>()).OrderByDescending(r => r.Key.Length))
            text = text.Replace(from, to, StringComparison.Ordinal);
        text = Ago().Replace(text, "<ago>");
        text = Until().Replace(text, "<until>");
        text = Size().Replace(text, "<size>");
        text = Port().Replace(text, "127.0.0.1:<port>");
        // A placeholder's cell padding followed the real value's length; make it fixed.
        text = PaddedPlaceholder().Replace(text, "$1    ");
        return string.Join("\n", text.Split('\n').Select(l => l.TrimEnd()));
    }

    /// <summary>A minimal line diff (longest common subsequence) for failure messages.</summary>
    public static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
            for (var j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var diff = new StringBuilder();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) { diff.Append("  ").AppendLine(a[x]); x++; y++; }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y])) diff.Append("+ ").AppendLine(b[y++]);
            else diff.Append("- ").AppendLine(a[x++]);
        }
        return diff.ToString();
    }

    /// <summary>The source folder of the snapshots (found from the test binary up to Takase.slnx), so updates land in the repository.</summary>
    private static string Folder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Takase.slnx")))
                return Path.Combine(dir.FullName, "tests", "Takase.Cli.Tests", "Snapshots");
        Assert.Skip($"the repository (Takase.slnx) is not above {AppContext.BaseDirectory}; snapshot files are read from its source folder");
        return "";
    }

    [GeneratedRegex(@"(Less than a second|\d+ (second|minute|hour|day|week|month|year)s?) ago")]
    private static partial Regex Ago();

    [GeneratedRegex(@"(\d+ (second|minute|hour)s? from now|Forever|Stopping\.\.\.)")]
    private static partial Regex Until();

    [GeneratedRegex(@"\b\d+(\.\d+)? (B|kB|MB|GB|TB)\b")]
    private static partial Regex Size();

    [GeneratedRegex(@"(<size>|<ago>|<until>) {2,}")]
    private static partial Regex PaddedPlaceholder();

    [GeneratedRegex(@"127\.0\.0\.1:\d+")]
    private static partial Regex Port();
}
