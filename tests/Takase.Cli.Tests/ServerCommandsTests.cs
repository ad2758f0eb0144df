using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Takase.Library.Tests.Registry;
using Takase.Tests.Support;

namespace Takase.Cli.Tests;

/// <summary>
/// A real `takase serve` process on a free loopback port, with stories260K (F32 and Q8_0) in its folder, pulling from
/// a <see cref="FakeRegistry"/> that offers stories260K-Q8_0 as "tiny-story" and stories260K (F32) as "story-f32".
/// </summary>
public sealed class ServeProcess : IDisposable
{
    private Process? _server;
    private readonly TempDir _dir = new();
    private readonly FakeRegistry? _registry;

    public ServeProcess()
    {
        if (SharedData.RootOrNull is null) return;
        File.CreateSymbolicLink(_dir.File("stories260K.gguf"), SharedData.Path("models/stories260K.gguf"));
        File.CreateSymbolicLink(_dir.File("stories260K-Q8_0.gguf"), SharedData.Path("models/stories260K-Q8_0.gguf"));
        _registry = FakeRegistry.StartAsync().GetAwaiter().GetResult();
        _registry.AddModel("library", "tiny-story", "latest", _registry.AddBlob(Takase.Library.Store.MediaTypes.Model, File.ReadAllBytes(SharedData.Path("models/stories260K-Q8_0.gguf"))));
        _registry.AddModel("library", "story-f32", "latest", _registry.AddBlob(Takase.Library.Store.MediaTypes.Model, File.ReadAllBytes(SharedData.Path("models/stories260K.gguf"))));
        (_server, Host) = Start(_dir.Path, new Dictionary<string, string> { ["TAKASE_REGISTRY"] = _registry.BaseAddress.ToString().TrimEnd('/') });
    }

    /// <summary>
    /// Starts `takase serve` on a free loopback port over <paramref name="models"/> with extra environment variables,
    /// and waits until it answers. Only that folder's models are offered (never the machine's own Ollama models).
    /// </summary>
    public static (Process Server, string Host) Start(string models, IReadOnlyDictionary<string, string>? environment = null)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var host = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        listener.Stop();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["OLLAMA_MODELS"] = Path.Combine(models, "no-ollama-folder");
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "takase.dll"), "serve", "--host", host, "--models", models }) psi.ArgumentList.Add(a);
        var server = Process.Start(psi)!;
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        using var http = new HttpClient();
        // Generous: CI runs the test projects side by side on two cores, and the server's start-up JIT shares them.
        for (var i = 0; i < 1200; i++)
        {
            try { if (http.GetAsync($"http://{host}/api/version").Result.IsSuccessStatusCode) return (server, host); }
            catch (AggregateException) { }
            Thread.Sleep(50);
        }
        server.Kill(entireProcessTree: true);
        throw new InvalidOperationException("takase serve did not start within 60 s");
    }

    public string Host { get; private set; } = "";

    /// <summary>The registry the server pulls from (faults can be armed on it).</summary>
    internal FakeRegistry Registry => _registry ?? throw new InvalidOperationException("no shared data: the server was not started");

    /// <summary>The folder the server serves (loose GGUF files and its library store).</summary>
    public string ModelsDirectory => _dir.Path;

    public TakaseProcess.Result Run(string? stdin, params string[] args)
    {
        if (_server is null) SharedData.Path("models/stories260K.gguf"); // skips the test
        return TakaseProcess.RunWith(new Dictionary<string, string> { ["TAKASE_HOST"] = Host }, stdin, args);
    }

    public void Dispose()
    {
        if (_server is { HasExited: false }) _server.Kill(entireProcessTree: true);
        _server?.Dispose();
        _registry?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _dir.Dispose();
    }
}

public class ServerCommandsTests(ServeProcess server) : IClassFixture<ServeProcess>
{
    [Fact]
    public void ListPrintsATableLikeOllama()
    {
        var r = server.Run(null, "list");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var lines = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+ID\s+SIZE\s+MODIFIED", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("stories260K:latest ") && l.Contains("1d089b0e9a95") && l.Contains("1.1 MB"));
        Assert.Contains(lines, l => l.StartsWith("stories260K-Q8_0:latest ") && l.Contains("344 kB"));
    }

    [Fact]
    public void ListJsonIsTheServersJson()
    {
        var r = server.Run(null, "list", "--json");
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Contains("stories260K:latest", doc.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
    }

    [Fact]
    public void RunByNameStreamsFromTheServer()
    {
        var r = server.Run(null, "run", "stories260K", "Once upon a time", "--raw", "--temperature", "0", "--repeat-penalty", "1", "-n", "10", "--verbose");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.StartsWith(", there was a little girl named Lily", r.StdOut); // llama.cpp's greedy continuation
        Assert.Matches(@"eval count:\s+10 token\(s\)", r.StdErr);
    }

    [Fact]
    public void PsShowsALoadedModelAndStopUnloadsIt()
    {
        server.Run(null, "run", "stories260K-Q8_0", "Once", "-n", "1");
        var ps = server.Run(null, "ps");
        Assert.Contains("stories260K-Q8_0:latest", ps.StdOut);
        Assert.Matches(@"\d+ minutes? from now", ps.StdOut);
        Assert.Equal(0, server.Run(null, "stop", "stories260K-Q8_0").ExitCode);
        Assert.DoesNotContain("stories260K-Q8_0:latest", server.Run(null, "ps").StdOut);
    }

    [Fact]
    public void ShowPrintsTheModelAndItsParts()
    {
        var r = server.Run(null, "show", "stories260K");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Matches(@"architecture\s+llama", r.StdOut);
        Assert.Matches(@"context length\s+512", r.StdOut);
        Assert.Contains("completion", r.StdOut);
        var verbose = server.Run(null, "show", "stories260K", "-v");
        Assert.Contains("llama.block_count", verbose.StdOut);
        Assert.Contains("FROM", server.Run(null, "show", "stories260K", "--modelfile").StdOut);
    }

    [Fact]
    public void CopyThenRemove()
    {
        Assert.Equal(0, server.Run(null, "cp", "stories260K", "story-copy").ExitCode);
        Assert.Contains("story-copy:latest", server.Run(null, "list").StdOut);
        var rm = server.Run(null, "rm", "story-copy");
        Assert.Equal(0, rm.ExitCode);
        Assert.Contains("deleted 'story-copy'", rm.StdOut);
        Assert.DoesNotContain("story-copy:latest", server.Run(null, "list").StdOut);
    }

    [Fact]
    public void CreateFromAModelfileThenRunAndRemove()
    {
        using var dir = new TempDir();
        File.CreateSymbolicLink(dir.File("weights.gguf"), SharedData.Path("models/stories260K.gguf"));
        File.WriteAllText(dir.File("Modelfile"), "# a story model with a house style\nFROM ./weights.gguf\nPARAMETER temperature 0\nSYSTEM Once upon a time\n");
        var created = server.Run(null, "create", "house-style", "-f", dir.File("Modelfile"));
        Assert.True(created.ExitCode == 0, created.StdErr);
        Assert.Contains("success", created.StdOut);
        Assert.Contains("house-style:latest", server.Run(null, "list").StdOut);
        Assert.Equal(0, server.Run(null, "run", "house-style", "there", "-n", "2").ExitCode);
        Assert.Equal(0, server.Run(null, "rm", "house-style").ExitCode);

        File.WriteAllText(dir.File("Bad"), "FROM ./weights.gguf\nPARAMETER top_k many\n");
        var bad = server.Run(null, "create", "bad", "-f", dir.File("Bad"));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("line 2", bad.StdErr);
    }

    [Fact]
    public void UnknownModelIsAOneLineError()
    {
        var r = server.Run(null, "show", "no-such-model");
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("Error: model 'no-such-model' not found", r.StdErr);
    }

    [Fact]
    public void NoServerIsAClearError()
    {
        var r = TakaseProcess.RunWith(new Dictionary<string, string> { ["TAKASE_HOST"] = "127.0.0.1:9" }, null, "list");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("start it with `takase serve`", r.StdErr);
    }
}
