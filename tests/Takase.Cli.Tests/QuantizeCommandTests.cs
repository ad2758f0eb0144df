using Takase.Engine.Gguf;
using Takase.Engine.Tensors;
using Takase.Tests.Support;

namespace Takase.Cli.Tests;

/// <summary><c>takase quantize</c> run as a process: per-tensor lines, sizes, the file it writes, and clear errors.</summary>
public class QuantizeCommandTests
{
    [Fact]
    public void QuantizesStoriesToQ8_0PrintingEveryTensorAndBothSizes()
    {
        using var dir = new TempDir();
        var output = dir.File("stories-q8_0.gguf");
        var r = TakaseProcess.Run(null, "quantize", SharedData.Path("models/stories260K.gguf"), output, "q8_0");
        Assert.True(r.ExitCode == 0, r.StdErr);

        var lines = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(48, lines.Length); // 47 tensors and the size line
        Assert.StartsWith("[ 1/47] token_embd.weight", lines[0]);
        Assert.Contains(lines, l => l.Contains("blk.0.attn_q.weight") && l.Contains("f32    -> q8_0") && l.Contains("16.0 KiB -> 4.2 KiB"));
        Assert.Contains(lines, l => l.Contains("blk.0.ffn_down.weight") && l.EndsWith("-> f16    43.0 KiB -> 21.5 KiB  (172 columns are not a multiple of 32 (q8_0): f16 instead)"));
        Assert.Equal("model size: 1.01 MiB -> 0.33 MiB (Q8_0)", lines[^1][..lines[^1].LastIndexOf(',')]);
        Assert.Contains("warning: 5 of 47 tensors needed a fallback type", r.StdErr);

        using var file = GgufFile.Open(output);
        Assert.Equal(344320, new FileInfo(output).Length); // the size of llama-quantize's own Q8_0 file
        Assert.Equal(GgmlType.Q8_0, file.GetTensor("blk.4.ffn_up.weight").Type);
        Assert.Equal(7L, file.GetInteger("general.file_type"));
    }

    [Fact]
    public void AnUnknownTypeListsTheValidOnesAndWritesNothing()
    {
        using var dir = new TempDir();
        var output = dir.File("out.gguf");
        var r = TakaseProcess.Run(null, "quantize", SharedData.Path("models/stories260K.gguf"), output, "q4_k_x");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("unknown quantization type 'q4_k_x'; valid types: Q4_0, Q4_1", r.StdErr);
        Assert.Contains("Q4_K_M", r.StdErr);
        Assert.False(File.Exists(output));

        var notGguf = dir.File("readme.txt");
        File.WriteAllText(notGguf, "not a model but long enough to have a header");
        var bad = TakaseProcess.Run(null, "quantize", notGguf, output, "Q4_K_M");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("not a valid GGUF file", bad.StdErr);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.gguf*"));
    }
}

/// <summary><c>takase create NAME -f Modelfile --quantize TYPE</c> against a real <c>takase serve</c>.</summary>
public class CreateQuantizeCommandTests(ServeProcess server) : IClassFixture<ServeProcess>
{
    [Fact]
    public void CreateWithQuantizeStoresTheQuantizedModel()
    {
        using var dir = new TempDir();
        File.CreateSymbolicLink(dir.File("weights.gguf"), SharedData.Path("models/stories260K.gguf"));
        File.WriteAllText(dir.File("Modelfile"), "FROM ./weights.gguf\n");
        var created = server.Run(null, "create", "stories-q8", "-f", dir.File("Modelfile"), "-q", "q8_0");
        Assert.True(created.ExitCode == 0, created.StdErr);
        var lines = created.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // One line for the whole quantization, though the server sends a progress object per tensor.
        Assert.Single(lines, l => l == "quantizing F32 model to Q8_0");
        Assert.Equal("success", lines[^1]);
        // 344,320 bytes of Q8_0 GGUF (llama-quantize's size) plus the config blob.
        Assert.Contains(server.Run(null, "list").StdOut.Split('\n'), l => l.StartsWith("stories-q8:latest ") && l.Contains("345 kB"));

        var refused = server.Run(null, "create", "stories-q8-again", "--file", dir.File("Modelfile"), "--quantize", "q9_K");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("unknown quantization type 'q9_K'", refused.StdErr);
    }
}
