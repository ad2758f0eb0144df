namespace Takase.Tests.Support;

/// <summary>
/// The one way tests reach ../shared/data: a path when it is there, a clear skip when it is not,
/// so the suite still runs from a bare clone.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string?> Root = new(FindRoot);

    /// <summary>The shared/data folder, or null when this checkout has no ../shared beside it.</summary>
    public static string? RootOrNull => Root.Value;

    /// <summary>Full path of a file under shared/data; skips the calling test when it is absent.</summary>
    public static string Path(string relative)
    {
        var root = Root.Value;
        if (root is null)
            Assert.Skip($"../shared/data is absent (looked upward from {AppContext.BaseDirectory}); this test needs {relative}.");
        var full = System.IO.Path.Combine(root, relative);
        if (!File.Exists(full) && !Directory.Exists(full))
            Assert.Skip($"shared data file {relative} is absent under {root}.");
        return full;
    }

    private static string? FindRoot()
    {
        var env = Environment.GetEnvironmentVariable("TAKASE_SHARED_DATA");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        // Walk up from the test binary to the repository root, then look beside it.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "..", "shared", "data");
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Takase.slnx")) && Directory.Exists(candidate))
                return System.IO.Path.GetFullPath(candidate);
        }
        return null;
    }
}
