using System.Text;

namespace Takase.Engine.Tests.Tokenizers;

/// <summary>One test string and the token ids expected for it (no BOS/EOS, special tokens not parsed).</summary>
internal sealed record VocabTestCase(int Index, string Text, int[] Expected);

/// <summary>
/// Reads llama.cpp's tokenizer test vectors: NAME.inp holds the strings separated by the line
/// "__ggml_vocab_test__" (a final separator ends the list; text after the last one is a last case), NAME.out one line
/// of space-separated ids per string. Parsed exactly as llama.cpp's test-tokenizer-0 does.
/// </summary>
internal static class VocabTestVectors
{
    private const string Separator = "\n__ggml_vocab_test__\n";

    public static IReadOnlyList<VocabTestCase> Read(string inputPath, string outputPath)
    {
        var raw = Encoding.UTF8.GetString(File.ReadAllBytes(inputPath));
        var inputs = new List<string>();
        for (var position = 0; position < raw.Length;)
        {
            var next = raw.IndexOf(Separator, position, StringComparison.Ordinal);
            if (next < 0) { inputs.Add(raw[position..]); break; }
            inputs.Add(raw[position..next]);
            position = next + Separator.Length;
        }

        var outputText = Encoding.UTF8.GetString(File.ReadAllBytes(outputPath));
        var lines = outputText.Split('\n');
        if (outputText.EndsWith('\n')) lines = lines[..^1]; // getline yields no empty line after the final newline
        if (lines.Length != inputs.Count)
            throw new InvalidDataException($"{inputPath} has {inputs.Count} cases but {outputPath} has {lines.Length} lines");

        return inputs.Select((text, i) => new VocabTestCase(i, text,
            lines[i].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray())).ToList();
    }

    /// <summary>A case as a readable one-liner for failure messages.</summary>
    public static string Show(string text) => text.Replace("\n", "\\n").Replace("\t", "\\t").Replace("\r", "\\r");
}
