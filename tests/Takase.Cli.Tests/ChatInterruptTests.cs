using System.Diagnostics;
using System.Text;

namespace Takase.Cli.Tests;

/// <summary>
/// Ctrl-C in `takase run NAME`'s chat stops the answer being written and the chat goes on, as in Ollama: the story
/// model never stops on its own (no EOS in sight, context shifting on), so only the interrupt can end its answer.
/// </summary>
public class ChatInterruptTests(ServeProcess server) : IClassFixture<ServeProcess>
{
    [Fact]
    public async Task CtrlCStopsTheAnswerAndTheChatGoesOn()
    {
        server.Run(null, "list"); // skips without shared data
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardInputEncoding = new UTF8Encoding(false),
        };
        psi.Environment["TAKASE_HOST"] = server.Host;
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "takase.dll"), "run", "stories260K" }) psi.ArgumentList.Add(a);
        using var chat = Process.Start(psi)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        chat.OutputDataReceived += (_, e) => { lock (stdout) stdout.AppendLine(e.Data); };
        chat.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        chat.BeginOutputReadLine();
        chat.BeginErrorReadLine();
        try
        {
            await chat.StandardInput.WriteLineAsync("Once upon a time");
            await chat.StandardInput.FlushAsync(TestContext.Current.CancellationToken);
            // The answer is streaming (several lines of story) when Ctrl-C comes.
            await TakaseProcess.WaitUntilAsync(() => { lock (stdout) return stdout.ToString().Split('\n').Length > 3; },
                TimeSpan.FromSeconds(60), "the answer to stream");
            TakaseProcess.SendCtrlC(chat);
            await Task.Delay(500, TestContext.Current.CancellationToken);
            Assert.False(chat.HasExited, "Ctrl-C ended the whole chat instead of the answer");

            // The chat still takes commands.
            await chat.StandardInput.WriteLineAsync("/show info");
            await chat.StandardInput.WriteLineAsync("/bye");
            chat.StandardInput.Close();
            Assert.True(chat.WaitForExit(30_000), "the chat did not end on /bye");
        }
        finally
        {
            if (!chat.HasExited) chat.Kill(entireProcessTree: true);
        }
        Assert.Equal(0, chat.ExitCode);
        lock (stderr) Assert.Contains("architecture", stderr.ToString()); // /show info answered after the interrupt
    }
}
