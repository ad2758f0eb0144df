using System.Diagnostics;
using Takase.Tests.Support;

namespace Takase.Cli.Tests;

/// <summary>
/// Ctrl-C during `takase pull` stops the download without storing a model, keeps what arrived, and the next pull
/// resumes from there instead of starting over — the real CLI, a real server and a registry that stalls mid-blob.
/// </summary>
public class PullInterruptTests(ServeProcess server) : IClassFixture<ServeProcess>
{
    private const int StallAt = 300_000;

    [Fact]
    public async Task CtrlCStopsThePullAndTheNextPullResumesWhereItStopped()
    {
        var blob = File.ReadAllBytes(SharedData.Path("models/stories260K.gguf"));
        var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(blob));
        server.Registry.StallAfterBytes = StallAt;

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.Environment["TAKASE_HOST"] = server.Host;
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "takase.dll"), "pull", "story-f32" }) psi.ArgumentList.Add(a);
        using var pull = Process.Start(psi)!;
        var stdout = pull.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = pull.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            // Wait until the registry has sent the first part of the weights, then press Ctrl-C.
            await TakaseProcess.WaitUntilAsync(() => server.Registry.BlobRequests(digest).Any(r => r.BytesSent == StallAt),
                TimeSpan.FromSeconds(60), "the pull to reach the registry's stall point");
            TakaseProcess.SendCtrlC(pull);
            Assert.True(pull.WaitForExit(30_000), "takase pull did not stop on Ctrl-C");
        }
        finally
        {
            if (!pull.HasExited) pull.Kill();
            server.Registry.StallAfterBytes = null;
        }
        Assert.Equal(130, pull.ExitCode); // the shell's code for "stopped by Ctrl-C"
        await stdout;
        await stderr;

        // No model under the name, but the bytes that arrived are kept (the server saw the client go and stopped).
        var list = server.Run(null, "list");
        Assert.DoesNotContain("story-f32", list.StdOut);
        await TakaseProcess.WaitUntilAsync(() => Directory.GetFiles(Path.Combine(server.ModelsDirectory, "blobs"), "*-partial").Length == 1,
            TimeSpan.FromSeconds(10), "the partial download to be kept");

        var again = server.Run(null, "pull", "story-f32");
        Assert.True(again.ExitCode == 0, again.StdErr);
        var requests = server.Registry.BlobRequests(digest).ToList();
        Assert.Equal(2, requests.Count);
        Assert.Equal(StallAt, requests[1].RangeStart); // resumed where the first pull stopped, nothing fetched twice
        Assert.Equal(blob.Length - StallAt, requests[1].BytesSent);
        Assert.Contains("story-f32", server.Run(null, "list").StdOut);
    }
}
