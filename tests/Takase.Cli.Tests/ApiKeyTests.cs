using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Takase.Tests.Support;

namespace Takase.Cli.Tests;

/// <summary>The CLI against a server that requires API keys: refused without one, served with TAKASE_API_KEY.</summary>
public sealed class ApiKeyTests : IDisposable
{
    private const string AdminKey = "tk_cli-test-admin-key-0123456789";
    private readonly TempDir _dir = new();
    private readonly Process _server;
    private readonly string _host;

    public ApiKeyTests()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _host = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        listener.Stop();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["TAKASE__Auth__Required"] = "true";
        psi.Environment["TAKASE__Auth__AdminKey"] = AdminKey;
        psi.Environment["OLLAMA_MODELS"] = Path.Combine(_dir.Path, "no-ollama-folder");
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "takase.dll"), "serve", "--host", _host, "--models", _dir.Path }) psi.ArgumentList.Add(a);
        _server = Process.Start(psi)!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        using var http = new HttpClient();
        for (var i = 0; i < 200; i++)
        {
            try { if (http.GetAsync($"http://{_host}/api/version").Result.IsSuccessStatusCode) return; }
            catch (AggregateException) { }
            Thread.Sleep(50);
        }
        throw new InvalidOperationException("takase serve did not start within 10 s");
    }

    [Fact]
    public void WithoutAKeyTheCliIsRefusedAndWithOneItIsServed()
    {
        var refused = TakaseProcess.RunWith(new Dictionary<string, string> { ["TAKASE_HOST"] = _host, ["TAKASE_API_KEY"] = "" }, null, "list");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("TAKASE_API_KEY", refused.StdErr); // says where the key goes

        var served = TakaseProcess.RunWith(new Dictionary<string, string> { ["TAKASE_HOST"] = _host, ["TAKASE_API_KEY"] = AdminKey }, null, "list");
        Assert.True(served.ExitCode == 0, served.StdErr);
        Assert.StartsWith("NAME", served.StdOut);
    }

    public void Dispose()
    {
        if (!_server.HasExited) _server.Kill(entireProcessTree: true);
        _server.Dispose();
        _dir.Dispose();
    }
}
