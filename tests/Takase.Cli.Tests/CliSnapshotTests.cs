using Takase.Tests.Support;

namespace Takase.Cli.Tests;

/// <summary>
/// What the CLI prints, compared with committed snapshots (Snapshots/*.txt; see Snapshot.cs to update them): list, ps,
/// show in each view, the root --help, and the error lines. A created model's digest is deterministic, so its ID is
/// part of the snapshot; times, sizes, ports and temporary folders are placeholders.
/// </summary>
public class CliSnapshotTests(ServeProcess server) : IClassFixture<ServeProcess>
{
    private const string Created = "snap-model";

    private Dictionary<string, string> Folders => new()
    {
        [server.ModelsDirectory] = "<models>",
        [SharedData.RootOrNull ?? "<no shared data>"] = "<shared>",
    };

    /// <summary>Creates the same library model every time (same Modelfile, same layers, same digest).</summary>
    private void EnsureCreated()
    {
        using var dir = new TempDir();
        File.CreateSymbolicLink(dir.File("weights.gguf"), SharedData.Path("models/stories260K.gguf"));
        File.WriteAllText(dir.File("Modelfile"),
            "FROM ./weights.gguf\nPARAMETER temperature 0.2\nPARAMETER stop \"The end\"\nSYSTEM \"\"\"You tell short stories.\"\"\"\nLICENSE \"\"\"MIT\"\"\"\n");
        var created = server.Run(null, "create", Created, "-f", dir.File("Modelfile"));
        Assert.True(created.ExitCode == 0, created.StdErr);
    }

    private void Check(string snapshot, params string[] args)
    {
        var r = server.Run(null, args);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Snapshot.Match(snapshot, r.StdOut, Folders);
    }

    [Fact]
    public void List()
    {
        EnsureCreated();
        Check("list", "list");
    }

    [Fact]
    public void Ps()
    {
        var run = server.Run(null, "run", "stories260K-Q8_0", "Once", "-n", "1");
        Assert.True(run.ExitCode == 0, run.StdErr);
        Check("ps", "ps");
    }

    [Fact]
    public void ShowDefault()
    {
        EnsureCreated();
        Check("show", "show", Created);
    }

    [Fact]
    public void ShowModelfile()
    {
        EnsureCreated();
        Check("show-modelfile", "show", Created, "--modelfile");
    }

    [Fact]
    public void ShowParameters()
    {
        EnsureCreated();
        Check("show-parameters", "show", Created, "--parameters");
    }

    [Fact]
    public void ShowVerbose() => Check("show-verbose", "show", "stories260K", "-v");

    [Fact]
    public void ShowLooseFileModelfile() => Check("show-loose-modelfile", "show", "stories260K", "--modelfile");

    [Fact]
    public void RootHelp()
    {
        var r = TakaseProcess.Run(null, "--help");
        Assert.Equal(0, r.ExitCode);
        Snapshot.Match("help", r.StdOut);
    }

    [Fact]
    public void UnknownModelError()
    {
        var r = server.Run(null, "show", "storie260K");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.StdOut);
        Snapshot.Match("error-unknown-model", r.StdErr);
    }

    [Fact]
    public void ServerNotRunningError()
    {
        var r = TakaseProcess.RunWith(new Dictionary<string, string> { ["TAKASE_HOST"] = "127.0.0.1:9" }, null, "list");
        Assert.Equal(1, r.ExitCode);
        Snapshot.Match("error-no-server", r.StdErr);
    }

    [Fact]
    public void SnapshotMismatchPrintsADiff()
    {
        var diff = Snapshot.Diff("NAME\na\nb\nc", "NAME\na\nB\nc");
        Assert.Equal("  NAME\n  a\n+ B\n- b\n  c\n", diff.ReplaceLineEndings("\n"));
        Assert.Equal("x <ago> <size> 127.0.0.1:<port> <until>", Snapshot.Normalize("x 3 weeks ago 1.1 MB 127.0.0.1:4321 4 minutes from now   "));
    }
}
