namespace Takase.Cli.Tests;

/// <summary>Finds ../shared/data beside the checkout; skips the calling test when it is absent.</summary>
internal static class SharedData
{
    public static string Path(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var root = System.IO.Path.Combine(dir.FullName, "..", "shared", "data");
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Takase.slnx")) && Directory.Exists(root))
            {
                var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, relative));
                if (!File.Exists(full)) Assert.Skip($"shared data file {relative} is absent under {root}");
                return full;
            }
        }
        Assert.Skip($"../shared/data is absent; this test needs {relative}");
        return "";
    }
}
