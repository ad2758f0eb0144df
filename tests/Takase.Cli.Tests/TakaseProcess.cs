using System.Diagnostics;
using System.Text;

namespace Takase.Cli.Tests;

/// <summary>Runs the real takase binary (built beside the tests) and captures what it prints.</summary>
public static class TakaseProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(string? stdin, params string[] args) => RunWith(null, stdin, args);

    /// <summary>Runs takase with extra environment variables (e.g. TAKASE_HOST).</summary>
    public static Result RunWith(IReadOnlyDictionary<string, string>? environment, string? stdin, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "takase.dll");
        Assert.True(File.Exists(dll), $"the takase binary should be built beside the tests at {dll}");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
            StandardInputEncoding = new UTF8Encoding(false),
        };
        psi.ArgumentList.Add(dll);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        Assert.True(p.WaitForExit(120_000), "takase did not finish within two minutes");
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Ctrl-C for a child process, as a terminal sends it (SIGINT).</summary>
    public static void SendCtrlC(Process process)
    {
        using var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Polls <paramref name="condition"/> every 50 ms; fails naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
