using System.Text;
using Takase.Engine.Tokenizers.Unicode;

namespace Takase.Engine.Tokenizers.WordPiece;

/// <summary>
/// BERT WordPiece as llama.cpp's <c>llm_tokenizer_wpm</c> runs it on a GGUF vocabulary. The GGUF converter
/// rewrites BERT's vocabulary so that word-initial pieces start with ▁ and "##" continuations lose their prefix;
/// so each word is looked up as "▁word", greedily longest piece first, and a word that cannot be covered completely
/// becomes the unknown token. Words come from BERT's basic normalisation: lowercase, accents stripped (NFD, marks
/// dropped), control characters removed, and every punctuation mark, ASCII symbol and CJK ideograph split off alone.
/// </summary>
internal sealed class WordPieceEncoder(Vocabulary vocabulary, int unknownId, bool lowercase, bool stripAccents)
{
    private const char WordStart = '\u2581';

    /// <summary>Appends the tokens of <paramref name="text"/> to <paramref name="output"/>.</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> output)
    {
        var word = new StringBuilder();
        foreach (var w in SplitWords(text, word))
            EncodeWord(w, output);
    }

    private void EncodeWord(string word, List<int> output)
    {
        var span = (WordStart + word).AsSpan();
        var first = output.Count;
        for (var i = 0; i < span.Length;)
        {
            var matched = false;
            for (var end = Math.Min(span.Length, i + vocabulary.MaxTokenChars); end > i; end--)
            {
                var id = vocabulary.Find(span[i..end]);
                if (id < 0) continue;
                output.Add(id);
                i = end;
                matched = true;
                break;
            }
            if (!matched)
            {
                // One uncovered position discards the whole word, as in BERT.
                output.RemoveRange(first, output.Count - first);
                break;
            }
        }
        if (output.Count == first) output.Add(unknownId);
    }

    /// <summary>BERT's basic tokenizer over code points; yields the words in order (never empty ones).</summary>
    private List<string> SplitWords(ReadOnlySpan<char> text, StringBuilder word)
    {
        var words = new List<string>();
        Span<char> utf16 = stackalloc char[2];
        foreach (var rune in text.EnumerateRunes())
        {
            var cp = stripAccents ? UnicodeClass.NfdFirst(rune.Value) : rune.Value;
            var flags = UnicodeClass.Flags(cp);
            if ((flags & CodePointFlags.Whitespace) != 0)
            {
                Flush(word, words);
                continue;
            }
            if (cp == 0 || cp == 0xFFFD || (flags & CodePointFlags.Control) != 0) continue;
            if (stripAccents && (flags & CodePointFlags.Mark) != 0) continue;

            var mapped = lowercase ? UnicodeClass.ToLower(cp) : cp;
            var written = new Rune(mapped).EncodeToUtf16(utf16);
            var standsAlone = (flags & CodePointFlags.Punctuation) != 0
                || (cp < 0x7F && (flags & CodePointFlags.Symbol) != 0)
                || IsChineseCharacter(cp);
            if (standsAlone)
            {
                Flush(word, words);
                words.Add(new string(utf16[..written]));
            }
            else
            {
                word.Append(utf16[..written]);
            }
        }
        Flush(word, words);
        return words;
    }

    private static void Flush(StringBuilder word, List<string> words)
    {
        if (word.Length == 0) return;
        words.Add(word.ToString());
        word.Clear();
    }

    // The CJK blocks BERT isolates (its _is_chinese_char, including the 0x2B920 start that the HF Rust code uses).
    private static bool IsChineseCharacter(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
            or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B920 and <= 0x2CEAF
            or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
