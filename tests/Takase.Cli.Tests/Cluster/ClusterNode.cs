using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Takase.Cli.Tests.Cluster;

/// <summary>
/// One `takase serve` process of a test cluster: its own port and TAKASE_HOME, the settings the cluster shares
/// (database, router) as TAKASE__… variables, and its output kept for the failure message.
/// </summary>
internal sealed class ClusterNode : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ClusterNode(string name, int port, Process process)
    {
        Name = name;
        Port = port;
        _process = process;
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public string Name { get; }
    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");
    public Uri V1 => new($"http://127.0.0.1:{Port}/v1");
    public HttpClient Http { get; }
    public bool Exited => _process.HasExited;

    /// <summary>Everything the process printed so far (for assertion messages).</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>A free loopback port (the OS picks it; the node binds it a moment later).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts a node on <paramref name="port"/> serving <paramref name="models"/>; returns once it started (not yet answering).</summary>
    public static ClusterNode Start(string name, int port, string models, string home, IReadOnlyDictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["OLLAMA_MODELS"] = Path.Combine(home, "no-ollama-folder");
        psi.Environment["TAKASE_HOME"] = home;
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "takase.dll"), "serve", "--host", $"127.0.0.1:{port}", "--models", models })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var node = new ClusterNode(name, port, process);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Waits until GET /api/ready answers 200 (store open at this schema), failing with the node's output after <paramref name="timeout"/>.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(_process.HasExited, $"node {Name} exited during start-up:\n{Output}");
            try
            {
                using var r = await Http.GetAsync("api/ready", cancel);
                if (r.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            Assert.True(clock.Elapsed < timeout, $"node {Name} was not ready within {timeout.TotalSeconds} s:\n{Output}");
            await Task.Delay(100, cancel);
        }
    }

    /// <summary>Kills the process at once, as a machine failure would (no graceful shutdown).</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public void Dispose()
    {
        Http.Dispose();
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }
}
