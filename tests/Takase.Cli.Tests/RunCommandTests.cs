using Takase.Tests.Support;
namespace Takase.Cli.Tests;

public class RunCommandTests
{
    // llama.cpp b10573's greedy output for this model and prompt (shared/data/README.md).
    private const string StoriesGolden =
        " Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily";

    [Theory]
    [InlineData("models/stories260K.gguf")]
    [InlineData("models/stories260K-Q8_0.gguf")]
    public void GreedyStoriesOutputEqualsLlamaCpp(string model)
    {
        var r = TakaseProcess.Run(null, "run", SharedData.Path(model), "Once upon a time", "--temperature", "0", "--repeat-penalty", "1", "--num-predict", "60");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(StoriesGolden + "\n", r.StdOut);
    }

    [Fact]
    public void VerbosePrintsSpeedsLikeOllama()
    {
        var r = TakaseProcess.Run(null, "run", SharedData.Path("models/stories260K.gguf"), "Once upon a time", "--temperature", "0", "-n", "8", "--verbose");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"prompt eval count:\s+5 token\(s\)", r.StdErr);
        Assert.Matches(@"eval count:\s+8 token\(s\)", r.StdErr);
        Assert.Matches(@"eval rate:\s+[0-9.]+ tokens/s", r.StdErr);
    }

    [Fact]
    public void InteractiveCompletionWithoutTemplateContinuesEachLine()
    {
        var r = TakaseProcess.Run("Once upon a time\n/bye\n", "run", SharedData.Path("models/stories260K.gguf"), "--temperature", "0", "--repeat-penalty", "1", "-n", "20");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("plain completion", r.StdErr);
        Assert.StartsWith(", there was a little girl named Lily.", r.StdOut);
    }

    [Fact]
    public void MissingModelIsAClearError()
    {
        var r = TakaseProcess.Run(null, "run", "/nonexistent/model.gguf", "hi");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("/nonexistent/model.gguf", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr); // no stack trace
    }

    [Fact]
    public void AbsurdOptionIsAClearError()
    {
        var r = TakaseProcess.Run(null, "run", SharedData.Path("models/stories260K.gguf"), "hi", "--top-p", "7");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("top", r.StdErr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ContextOverflowIsAClearError()
    {
        var r = TakaseProcess.Run(null, "run", SharedData.Path("models/stories260K.gguf"), "Once upon a time", "--ctx", "16", "-n", "40", "--temperature", "0");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("context window of 16 tokens is full", r.StdErr);
    }
}

public class BadModelFileTests
{
    [Fact]
    public void TruncatedModelIsAClearError()
    {
        var path = Path.Combine(Path.GetTempPath(), $"takase-truncated-{Guid.NewGuid():N}.gguf");
        var bytes = File.ReadAllBytes(SharedData.Path("models/stories260K.gguf"));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        try
        {
            var r = TakaseProcess.Run(null, "run", path, "hi");
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("truncated", r.StdErr);
            Assert.DoesNotContain("   at ", r.StdErr);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
