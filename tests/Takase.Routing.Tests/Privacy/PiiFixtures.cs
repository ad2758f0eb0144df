namespace Takase.Routing.Tests.Privacy;

/// <summary>
/// Finds the labelled PII set: beside the test binary when the project copies Fixtures/, else in the source tree
/// (walking up from the binary to the repository root).
/// </summary>
internal static class PiiFixtures
{
    public static string LabelledSet => Find("labelled.jsonl");

    private static string Find(string name)
    {
        var copied = Path.Combine(AppContext.BaseDirectory, "Fixtures", "pii", name);
        if (File.Exists(copied)) return copied;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Takase.Routing.Tests", "Fixtures", "pii", name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"Fixtures/pii/{name} was found neither beside the tests nor above {AppContext.BaseDirectory}");
    }
}
