using System.Text;
using Takase.Tests.Support;
using Takase.Engine.Tokenizers;

namespace Takase.Engine.Tests.Tokenizers;

/// <summary>
/// Every case of every .inp/.out pair in shared/data/vocab: llama.cpp's own tokenizer vectors (expected ids from the
/// reference Hugging Face tokenizers) and the Japanese vectors (ids from llama.cpp b10573) must come out exactly.
/// </summary>
public sealed class VocabVectorTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> VectorFiles() => new()
    {
        { "llama-spm", "gguf" }, { "llama-spm", "ja" },
        { "gpt-2", "gguf" }, { "gpt-2", "ja" },
        { "bert-bge", "gguf" }, { "bert-bge", "ja" },
        { "deepseek-coder", "gguf" }, { "deepseek-coder", "ja" },
        { "falcon", "gguf" }, { "falcon", "ja" },
        { "llama3.2-rebuilt", "gguf" }, { "llama3.2-rebuilt", "ja" },
        { "qwen2.5-rebuilt", "gguf" }, { "qwen2.5-rebuilt", "ja" },
    };

    [Theory]
    [MemberData(nameof(VectorFiles))]
    public void Encode_matches_every_expected_case(string vocab, string set)
    {
        var tokenizer = SharedVocabularies.Vocab(vocab);
        var cases = ReadCases(vocab, set);

        var failures = new List<string>();
        foreach (var c in cases)
        {
            var actual = tokenizer.Encode(c.Text, addSpecial: false, parseSpecial: false);
            if (!actual.SequenceEqual(c.Expected))
                failures.Add($"case {c.Index} '{VocabTestVectors.Show(c.Text)}': expected [{string.Join(' ', c.Expected)}], got [{string.Join(' ', actual)}]");
        }

        output.WriteLine($"{vocab} {set}: {cases.Count - failures.Count}/{cases.Count} cases exact");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases differ:\n{string.Join('\n', failures)}");
    }

    private static IReadOnlyList<VocabTestCase> ReadCases(string vocab, string set)
    {
        var stem = set == "gguf" ? $"vocab/ggml-vocab-{vocab}.gguf" : $"vocab/ggml-vocab-{vocab}.ja";
        return VocabTestVectors.Read(SharedData.Path(stem + ".inp"), SharedData.Path(stem + ".out"));
    }
}
