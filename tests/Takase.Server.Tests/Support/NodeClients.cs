using System.Diagnostics;
using System.Text;

namespace Takase.Server.Tests.Support;

/// <summary>
/// Runs a Node.js script from tests/Takase.Server.Tests/Clients (where .ci/run installs the real `ollama` and
/// `openai` npm packages) against the live server, and returns what it printed. Skips the test with a message
/// when Node.js or the packages are missing.
/// </summary>
public static class NodeClients
{
    /// <summary>The Clients folder of the source tree.</summary>
    public static string Directory { get; } = FindClients();

    /// <summary>Runs <c>node script args…</c> with TAKASE_URL set; fails the test on a non-zero exit.</summary>
    public static async Task<string> RunAsync(string script, Uri server, params string[] args)
    {
        if (!System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "ollama")) ||
            !System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "openai")))
            Assert.Skip($"the npm clients are not installed; run `npm ci` in {Directory} (.ci/run does)");
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["TAKASE_URL"] = server.ToString().TrimEnd('/');
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception) { Assert.Skip("node is not on PATH"); throw; }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await p.WaitForExitAsync(timeout.Token);
            Assert.True(p.ExitCode == 0, $"node {script} exited with {p.ExitCode}:\n{await stderr}\n{await stdout}");
            return await stdout;
        }
    }

    private static string FindClients()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Takase.slnx")))
                return Path.Combine(dir.FullName, "tests", "Takase.Server.Tests", "Clients");
        return Path.Combine(AppContext.BaseDirectory, "Clients");
    }
}
