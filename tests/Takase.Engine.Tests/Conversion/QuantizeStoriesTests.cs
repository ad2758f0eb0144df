using Takase.Engine.Conversion;
using Takase.Engine.Generation;
using Takase.Engine.Gguf;
using Takase.Engine.Models;
using Takase.Engine.Sampling;
using Takase.Engine.Tensors;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Conversion;

/// <summary>
/// ModelQuantizer on the real stories260K model (dim 64, hidden 172, 5 layers, tied embeddings) against
/// llama-quantize's own Q8_0/Q4_0 files, and a Q4_K_M of it that must still tell the same story.
/// </summary>
public class QuantizeStoriesTests(ITestOutputHelper output)
{
    private static string F32 => SharedData.Path("models/stories260K.gguf");

    [Theory]
    [InlineData("Q8_0", "models/stories260K-Q8_0.gguf")]
    [InlineData("q4_0", "models/stories260K-Q4_0.gguf")]
    public void Q8_0AndQ4_0EqualLlamaQuantizesFilesTensorForTensor(string type, string reference)
    {
        using var dir = new TempDir();
        var path = dir.File("out.gguf");
        var report = ModelQuantizer.Quantize(F32, path, type);

        using var ours = GgufFile.Open(path);
        using var theirs = GgufFile.Open(SharedData.Path(reference));
        Assert.Equal(theirs.Tensors.Select(t => t.Name).Order(), ours.Tensors.Select(t => t.Name).Order());
        foreach (var expected in theirs.Tensors)
        {
            var actual = ours.GetTensor(expected.Name);
            Assert.True(expected.Type == actual.Type, $"{expected.Name}: ours {actual.Type}, llama-quantize {expected.Type}");
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.True(expected.Name != "blk.0.ffn_down.weight" || actual.Type == GgmlType.F16, "ffn_down rows of 172 must stay F16");
            var same = theirs.TensorBytes(expected).SequenceEqual(ours.TensorBytes(actual));
            Assert.True(same, $"{expected.Name} ({actual.Type}): bytes differ from llama-quantize's");
        }
        Assert.Equal(theirs.GetInteger("general.file_type"), ours.GetInteger("general.file_type"));
        // Every metadata value of the input is carried over (the vocabulary included).
        using var input = GgufFile.Open(F32);
        foreach (var key in input.MetadataKeys.Where(k => k != "general.file_type"))
            Assert.Equal(input.Metadata[key].ToString(), ours.Metadata[key].ToString());
        Assert.Equal(input.GetStringArray("tokenizer.ggml.tokens"), ours.GetStringArray("tokenizer.ggml.tokens"));
        Assert.Equal(new FileInfo(path).Length, report.OutputBytes);
        Assert.True(report.OutputBytes < report.InputBytes);
    }

    [Fact]
    public void Q4_K_MOfStoriesFollowsTheRecipeAndTracksTheF32Model()
    {
        using var dir = new TempDir();
        var path = dir.File("stories260K-Q4_K_M.gguf");
        var lines = new List<QuantizedTensor>();
        var report = ModelQuantizer.Quantize(F32, path, "q4_K_M", lines.Add);
        Assert.Equal(report.Tensors, lines);
        foreach (var t in report.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
            output.WriteLine($"{t.Name,-28} {t.From,-5} -> {t.To,-5} {t.BytesBefore,8} -> {t.BytesAfter,8}");
        output.WriteLine($"file: {report.InputBytes} -> {report.OutputBytes} bytes");

        // dim 64 and hidden 172 fill no 256-element K block, so every matrix takes llama.cpp's fallback:
        // tied token_embd is the output: Q8_0 (64 % 256 != 0); attn_v on use_more_bits layers 2 and 4 of 5 wants
        // Q6_K → Q8_0; other matrices want Q4_K → Q5_0; ffn_down (172 columns) fits no 32-block either → F16.
        var types = report.Tensors.ToDictionary(t => t.Name, t => t.To);
        Assert.Equal(GgmlType.Q8_0, types["token_embd.weight"]);
        Assert.Equal(GgmlType.F32, types["output_norm.weight"]);
        for (var l = 0; l < 5; l++)
        {
            Assert.Equal(l is 2 or 4 ? GgmlType.Q8_0 : GgmlType.Q5_0, types[$"blk.{l}.attn_v.weight"]);
            foreach (var m in new[] { "attn_q", "attn_k", "attn_output", "ffn_gate", "ffn_up" })
                Assert.Equal(GgmlType.Q5_0, types[$"blk.{l}.{m}.weight"]);
            Assert.Equal(GgmlType.F16, types[$"blk.{l}.ffn_down.weight"]);
            Assert.Equal(GgmlType.F32, types[$"blk.{l}.attn_norm.weight"]);
        }
        using (var file = GgufFile.Open(path)) Assert.Equal(15L, file.GetInteger("general.file_type"));

        // Teacher-forced on the F32 model's own greedy story, the Q4_K_M model's top-1 token agrees nearly everywhere.
        var greedy = new GenerationOptions { Sampling = new SamplingOptions { Temperature = 0, RepeatPenalty = 1 }, MaxTokens = 60 };
        int[] story;
        using (var lm = LanguageModel.Load(F32))
        {
            var generator = new Generator(lm.Model, lm.Tokenizer);
            _ = string.Concat(generator.Generate(lm.TokenizePrompt("Once upon a time"), greedy, TestContext.Current.CancellationToken));
            story = generator.Tokens.ToArray();
        }
        using var q = LanguageModel.Load(path);
        var prompt = q.TokenizePrompt("Once upon a time");
        var state = q.Model.CreateState(q.Model.CreateCache(128));
        var agree = 0;
        for (var i = 0; i < story.Length - 1; i++)
        {
            var logits = q.Model.Forward(state, story[i]);
            if (i >= prompt.Length - 1 && ArgMax(logits) == story[i + 1]) agree++;
        }
        var predicted = story.Length - prompt.Length;
        output.WriteLine($"top-1 agreement with F32: {agree}/{predicted}");
        Assert.True(agree >= predicted * 9 / 10, $"Q4_K_M agrees with F32 on only {agree} of {predicted} tokens");

        // And it generates on its own: 60 tokens of story, starting as the F32 model does.
        var own = new Generator(q.Model, q.Tokenizer);
        var text = string.Concat(own.Generate(prompt, greedy, TestContext.Current.CancellationToken));
        Assert.Equal(60, own.LastStats!.GeneratedTokens);
        Assert.StartsWith(", there was a little girl named Lily.", text);
    }

    [Fact]
    public void RequantizingAQuantizedFileWorksButWarns()
    {
        using var dir = new TempDir();
        var report = ModelQuantizer.Quantize(SharedData.Path("models/stories260K-Q8_0.gguf"), dir.File("q4.gguf"), "Q4_0");
        Assert.Contains(report.Warnings, w => w.Contains("requantizing loses quality") && w.Contains("q8_0"));
        Assert.Equal(GgmlType.Q4_0, report.Tensors.Single(t => t.Name == "blk.0.attn_q.weight").To);
    }

    [Fact]
    public void F16KeepsVectorsF32AndConvertsEveryMatrixReadingThroughASymlink()
    {
        using var dir = new TempDir();
        var link = dir.File("link.gguf");
        File.CreateSymbolicLink(link, F32);
        var report = ModelQuantizer.Quantize(link, dir.File("f16.gguf"), "f16");
        Assert.All(report.Tensors, t => Assert.Equal(t.Shape.Length >= 2 ? GgmlType.F16 : GgmlType.F32, t.To));
        Assert.Empty(report.Warnings);
    }

    private static int ArgMax(ReadOnlySpan<float> x)
    {
        var best = 0;
        for (var i = 1; i < x.Length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}
