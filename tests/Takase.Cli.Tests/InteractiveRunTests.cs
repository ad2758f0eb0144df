using Takase.Tests.Support;

namespace Takase.Cli.Tests;

/// <summary>
/// `takase run` end to end with piped stdin: the interactive commands against a real `takase serve`, pulling a
/// missing model from a registry, and the same session commands on the in-process GGUF path.
/// </summary>
public class InteractiveRunTests(ServeProcess server) : IClassFixture<ServeProcess>
{
    // llama.cpp's greedy continuation of "Once upon a time" for stories260K (shared/data/README.md).
    private const string Greedy = ", there was a little girl named Lily";

    [Fact]
    public void SessionParametersReachTheServer()
    {
        var r = server.Run("/set parameter temperature 0\n/set parameter repeat_penalty 1\n/set parameter num_predict 10\n/set verbose\nOnce upon a time\n/bye\n",
            "run", "stories260K", "--raw");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("Set parameter 'temperature' to '0'\n", r.StdOut);
        Assert.Contains("Set 'verbose' mode.\n", r.StdOut);
        Assert.Contains(Greedy, r.StdOut);
        Assert.Matches(@"eval count:\s+10 token\(s\)", r.StdErr);
    }

    [Fact]
    public void ShowInSessionReadsTheServersModel()
    {
        var r = server.Run("/show info\n/show parameters\n/set parameter seed 7\n/show parameters\n/show template\n/show modelfile\n", "run", "stories260K");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Matches(@"architecture\s+llama", r.StdErr);
        Assert.Matches(@"context length\s+512", r.StdErr);
        Assert.Contains("Model defined parameters:\n  stop                           \"</s>\"", r.StdOut);
        Assert.Contains("User defined parameters:\n  seed                           7\n", r.StdOut);
        Assert.Contains("No prompt template was specified for this model.", r.StdOut);
        Assert.Contains("FROM ", r.StdOut);
    }

    [Fact]
    public void SaveCreatesAModelWithTheSessionsSystemParametersAndMessages()
    {
        var r = server.Run("/set parameter temperature 0\n/set parameter num_predict 4\n/set system You tell stories.\nOnce upon a time\n/save story-session\n/bye\n",
            "run", "stories260K");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("Created new model 'story-session'\n", r.StdOut);
        var modelfile = server.Run(null, "show", "story-session", "--modelfile");
        Assert.True(modelfile.ExitCode == 0, modelfile.StdErr);
        Assert.Contains("SYSTEM You tell stories.", modelfile.StdOut.Replace("\"", ""));
        Assert.Contains("PARAMETER temperature 0", modelfile.StdOut);
        Assert.Contains("PARAMETER num_predict 4", modelfile.StdOut);
        Assert.Contains("MESSAGE user Once upon a time", modelfile.StdOut.Replace("\"", ""));
        Assert.Contains("MESSAGE assistant", modelfile.StdOut);
        // The saved model answers with its saved parameters: four tokens, greedy.
        var run = server.Run(null, "run", "story-session", "Once upon a time", "--verbose");
        Assert.Matches(@"eval count:\s+4 token\(s\)", run.StdErr);
        Assert.Equal(0, server.Run(null, "rm", "story-session").ExitCode);
    }

    [Fact]
    public void LoadSwitchesModelsInTheSession()
    {
        var r = server.Run("/load no-such-model\n/load stories260K-Q8_0\n/set parameter temperature 0\n/set parameter repeat_penalty 1\n/set parameter num_predict 8\nOnce upon a time\n",
            "run", "stories260K", "--raw");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("Couldn't find model 'no-such-model'\n", r.StdOut);
        Assert.Contains("Loading model 'stories260K-Q8_0'\n", r.StdOut);
        Assert.Contains(", there was a little girl", r.StdOut);
    }

    [Fact]
    public void RunPullsAModelTheServerLacks()
    {
        var r = server.Run(null, "run", "tiny-story", "Once upon a time", "--raw", "--temperature", "0", "--repeat-penalty", "1", "-n", "8");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("pulling manifest", r.StdErr);
        Assert.Matches(@"pulling [0-9a-f]{12} 100% 344 kB", r.StdErr);
        Assert.Contains("success", r.StdErr);
        Assert.StartsWith(", there was a little girl", r.StdOut);
        Assert.Contains("tiny-story:latest", server.Run(null, "list").StdOut);
        // The second run finds it and pulls nothing.
        var again = server.Run(null, "run", "tiny-story", "Once", "-n", "1");
        Assert.DoesNotContain("pulling", again.StdErr);
        Assert.Equal(0, server.Run(null, "rm", "tiny-story").ExitCode);
    }

    [Fact]
    public void RunOfANameNobodyHasIsTheServersErrorWithSuggestions()
    {
        var r = server.Run(null, "run", "storis260K", "hi");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Error: model 'storis260K' not found; did you mean 'stories260K:latest'", r.StdErr);
        Assert.Contains("does not exist", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Fact]
    public void InProcessSessionTakesTheSameCommands()
    {
        var r = TakaseProcess.Run("/set parameter temperature 0\n/set parameter repeat_penalty 1\n/set parameter num_predict 12\n/show parameters\n/show info\n/save x\nOnce upon a time\n/bye\n",
            "run", SharedData.Path("models/stories260K.gguf"));
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("User defined parameters:", r.StdOut);
        Assert.Matches(@"architecture\s+llama", r.StdErr);
        Assert.Contains("error: /save needs the model library", r.StdOut);
        Assert.Contains(Greedy, r.StdOut);
    }
}
