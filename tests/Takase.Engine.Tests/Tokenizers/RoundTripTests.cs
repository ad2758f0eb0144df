using System.Text;
using System.Text.Unicode;
using Takase.Tests.Support;
using Takase.Engine.Tokenizers;

namespace Takase.Engine.Tests.Tokenizers;

/// <summary>
/// Decoding gives the text back, where llama.cpp's tests expect it to: its test-tokenizer-1-spm/-bpe round-trip
/// every token and every code point through tokenize → detokenize. As there, WordPiece vocabularies are skipped
/// (lowercasing and accent stripping are lossy by design), as are surrogates, the unassigned planes 4–13 and
/// U+2581 (▁, which SentencePiece reads as a space). Two further skips follow from this API being text-based:
/// tokens whose bytes are not valid UTF-8 on their own (a string cannot hold them), and bytes a vocabulary cannot
/// spell (Falcon's vocabulary has no tokens for a few control bytes, so llama.cpp drops them too).
/// </summary>
public sealed class RoundTripTests(ITestOutputHelper output)
{
    public static TheoryData<string> RoundTripVocabularies() =>
        new("llama-spm", "gpt-2", "deepseek-coder", "falcon", "llama3.2-rebuilt", "qwen2.5-rebuilt");

    public static TheoryData<string, string> RoundTripVectorFiles()
    {
        var rows = new TheoryData<string, string>();
        foreach (var vocab in RoundTripVocabularies()) { rows.Add((string)vocab.Data, "gguf"); rows.Add((string)vocab.Data, "ja"); }
        return rows;
    }

    [Theory]
    [MemberData(nameof(RoundTripVectorFiles))]
    public void Expected_ids_of_every_vector_decode_to_its_text(string vocab, string set)
    {
        var tokenizer = SharedVocabularies.Vocab(vocab);
        var stem = set == "gguf" ? $"vocab/ggml-vocab-{vocab}.gguf" : $"vocab/ggml-vocab-{vocab}.ja";
        var cases = VocabTestVectors.Read(SharedData.Path(stem + ".inp"), SharedData.Path(stem + ".out"));

        var failures = new List<string>();
        foreach (var c in cases)
        {
            // SentencePiece added a space in front; Detokenize removes it as llama.cpp does. Byte-level BPE pieces
            // are the input's bytes, so the plain concatenation must be the input.
            var text = tokenizer.Model == TokenizerModel.SentencePiece ? tokenizer.Detokenize(c.Expected) : tokenizer.Decode(c.Expected);
            if (text != c.Text) failures.Add($"case {c.Index}: '{VocabTestVectors.Show(c.Text)}' came back as '{VocabTestVectors.Show(text)}'");
        }
        output.WriteLine($"{vocab} {set}: {cases.Count - failures.Count}/{cases.Count} decode to their input");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Theory]
    [MemberData(nameof(RoundTripVocabularies))]
    public void Every_token_text_tokenizes_back_to_the_same_text(string vocab)
    {
        var tokenizer = SharedVocabularies.Vocab(vocab);
        var failures = new List<string>();
        var skipped = 0;
        for (var id = 0; id < tokenizer.VocabSize; id++)
        {
            if (!Utf8.IsValid(tokenizer.TokenBytes(id, renderSpecial: true))) { skipped++; continue; }
            var text = tokenizer.Detokenize([id], unparseSpecial: true);
            var again = tokenizer.Detokenize(tokenizer.Encode(text, addSpecial: false, parseSpecial: true), unparseSpecial: true);
            if (again != text && failures.Count < 20) failures.Add($"token {id} '{VocabTestVectors.Show(text)}' came back as '{VocabTestVectors.Show(again)}'");
        }
        output.WriteLine($"{vocab}: {tokenizer.VocabSize - skipped - failures.Count} tokens round-trip, {skipped} partial UTF-8 pieces skipped");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Theory]
    [MemberData(nameof(RoundTripVocabularies))]
    public void Every_code_point_tokenizes_back_to_itself(string vocab)
    {
        var tokenizer = SharedVocabularies.Vocab(vocab);
        var failures = new List<string>();
        var tested = 0;
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var cp in CodePointsToTest())
        {
            var rune = new Rune(cp);
            if (tokenizer.Model == TokenizerModel.BytePair && !CanSpell(tokenizer, utf8[..rune.EncodeToUtf8(utf8)])) continue;
            tested++;
            var text = rune.ToString();
            var again = tokenizer.Detokenize(tokenizer.Encode(text, addSpecial: false));
            if (again != text && failures.Count < 20) failures.Add($"U+{cp:X4} came back as '{again}'");
        }
        output.WriteLine($"{vocab}: {tested - failures.Count}/{tested} code points round-trip");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    // llama.cpp's range: all of Unicode but surrogates, planes 4–13 and U+2581. The BMP and plane 1 (emoji, historic
    // scripts) are tested completely; the CJK extension planes and planes 14–16 (tags, private use), whose code
    // points behave alike, every 7th, to keep the test quick.
    private static IEnumerable<int> CodePointsToTest()
    {
        for (var cp = 0; cp < 0x110000; cp++)
        {
            if (cp is >= 0xD800 and <= 0xDFFF or >= 0x40000 and <= 0xE0000 or 0x2581) continue;
            if (cp >= 0x20000 && cp % 7 != 0) continue;
            yield return cp;
        }
    }

    // Whether the byte-level vocabulary has a token for each byte of the character.
    private static bool CanSpell(Tokenizer tokenizer, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
            if (tokenizer.FindToken(ByteLevelChar(b).ToString()) is null) return false;
        return true;
    }

    // GPT-2's byte alphabet, restated here so the test does not lean on the code under test.
    private static char ByteLevelChar(byte b)
    {
        static bool Printable(int x) => x is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
        if (Printable(b)) return (char)b;
        var next = 256;
        for (var x = 0; x < b; x++) if (!Printable(x)) next++;
        return (char)next;
    }
}
