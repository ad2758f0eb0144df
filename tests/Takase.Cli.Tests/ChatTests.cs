using Takase.Tests.Support;
using System.Text.RegularExpressions;

namespace Takase.Cli.Tests;

public class ChatTests
{
    private const string Rendered =
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nこんにちは、世界 🌸<|im_end|>\n<|im_start|>assistant\n";

    private static int PromptEvalCount(string stderr, int occurrence = 0) =>
        int.Parse(Regex.Matches(stderr, @"prompt eval count:\s+(\d+)")[occurrence].Groups[1].Value);

    [Fact]
    public void PromptGoesThroughTheChatTemplateWithSpecialTokens()
    {
        var model = TinyChatModel.Path;
        var expected = TakaseProcess.Run(null, "tokenize", model, Rendered, "--parse-special", "--json");
        Assert.Equal(0, expected.ExitCode);
        Assert.StartsWith("[151644,", expected.StdOut); // <|im_start|> parsed as one special token
        var expectedCount = expected.StdOut.Split(',').Length;

        var r = TakaseProcess.Run(null, "run", model, "こんにちは、世界 🌸", "-n", "4", "--temperature", "0", "--verbose");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(expectedCount, PromptEvalCount(r.StdErr));
        Assert.DoesNotContain("<|im_start|>", r.StdOut); // no prompt echo in chat mode
    }

    [Fact]
    public void InteractiveChatReusesTheConversationAlreadyInTheCache()
    {
        var r = TakaseProcess.Run("hello\nand again\n/bye\n", "run", TinyChatModel.Path, "-n", "3", "--temperature", "0", "--verbose");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("chat template", r.StdErr);
        var first = PromptEvalCount(r.StdErr, 0);
        var second = PromptEvalCount(r.StdErr, 1);
        // The second turn evaluates only what is new: the end of the first answer, the new user turn and the header.
        Assert.True(second < first, $"second turn evaluated {second} tokens, the first {first}; the cached conversation was not reused");
    }
}
