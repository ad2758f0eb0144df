using System.Diagnostics;
using Takase.Tests.Support;

namespace Takase.Cli.Tests;

/// <summary>The CLI against a server that requires API keys: refused without one, served with TAKASE_API_KEY.</summary>
public sealed class ApiKeyTests : IDisposable
{
    private const string AdminKey = "tk_cli-test-admin-key-0123456789";
    private readonly TempDir _dir = new();
    private readonly Process _server;
    private readonly string _host;

    public ApiKeyTests() => (_server, _host) = ServeProcess.Start(_dir.Path, new Dictionary<string, string>
    {
        ["TAKASE__Auth__Required"] = "true",
        ["TAKASE__Auth__AdminKey"] = AdminKey,
    });

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
