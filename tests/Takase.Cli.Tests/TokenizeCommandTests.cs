using Takase.Tests.Support;
namespace Takase.Cli.Tests;

public class TokenizeCommandTests
{
    private const string Sentence = "Once upon a time, there was a little girl named Lily.";

    [Fact]
    public void PrintsIdsWithBosLikeLlamaTokenize()
    {
        var r = TakaseProcess.Run(null, "tokenize", SharedData.Path("models/stories260K.gguf"), Sentence);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("[1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426]\n", r.StdOut);
    }

    [Fact]
    public void JsonNoBosAndStdin()
    {
        var r = TakaseProcess.Run(Sentence, "tokenize", SharedData.Path("models/stories260K.gguf"), "--stdin", "--no-bos", "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("[403,407,261,378,432,383,286,261,376,298,315,421,395,317,426]\n", r.StdOut);
    }

    [Fact]
    public void ParseSpecialTurnsControlTextIntoIds()
    {
        var vocab = SharedData.Path("vocab/ggml-vocab-qwen2.5-rebuilt.gguf");
        var plain = TakaseProcess.Run(null, "tokenize", vocab, "<|im_start|>user", "--json");
        var special = TakaseProcess.Run(null, "tokenize", vocab, "<|im_start|>user", "--json", "--parse-special");
        Assert.Equal(0, special.ExitCode);
        Assert.StartsWith("[151644,", special.StdOut);
        Assert.DoesNotContain("151644", plain.StdOut);
    }
}
