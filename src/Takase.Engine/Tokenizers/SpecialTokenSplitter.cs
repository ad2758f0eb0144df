namespace Takase.Engine.Tokenizers;

/// <summary>
/// One piece of the input after special tokens were cut out: either a token id, or a run of raw text
/// (<see cref="Start"/>, <see cref="Length"/> in UTF-16 units of the input) still to be tokenized.
/// </summary>
internal readonly record struct TextFragment(int TokenId, int Start, int Length)
{
    public bool IsToken => TokenId >= 0;
    public static TextFragment Text(int start, int length) => new(-1, start, length);
}

/// <summary>
/// Cuts special-token texts out of the input before the model's tokenizer sees it, as llama.cpp's
/// <c>tokenizer_st_partition</c>: special tokens are tried longest text first; each one splits every remaining
/// text fragment at all of its occurrences. User-defined tokens are always cut out (as Hugging Face does for
/// added tokens); control and unknown tokens only when the caller asks to parse special tokens.
/// </summary>
internal sealed class SpecialTokenSplitter
{
    private readonly Vocabulary _vocabulary;
    private readonly int[] _candidates;   // control, user-defined and unknown ids, longest UTF-8 text first

    public SpecialTokenSplitter(Vocabulary vocabulary)
    {
        _vocabulary = vocabulary;
        const TokenAttributes special = TokenAttributes.Control | TokenAttributes.UserDefined | TokenAttributes.Unknown;
        var ids = new List<int>();
        for (var id = 0; id < vocabulary.Count; id++)
            if ((vocabulary.Attributes[id] & special) != 0) ids.Add(id);
        var byteLengths = ids.ToDictionary(id => id, id => System.Text.Encoding.UTF8.GetByteCount(vocabulary.Texts[id]));
        // llama.cpp sorts by byte length with an unstable sort; ties are broken by id here so the order is defined.
        ids.Sort((a, b) => byteLengths[a] != byteLengths[b] ? byteLengths[b].CompareTo(byteLengths[a]) : a.CompareTo(b));
        _candidates = ids.ToArray();
    }

    /// <summary>Splits <paramref name="text"/> into fragments; an empty text gives no fragment at all.</summary>
    public List<TextFragment> Split(string text, bool parseSpecial)
    {
        var fragments = new List<TextFragment>();
        if (text.Length == 0) return fragments;
        fragments.Add(TextFragment.Text(0, text.Length));

        var next = new List<TextFragment>();
        foreach (var id in _candidates)
        {
            var attributes = _vocabulary.Attributes[id];
            if (!parseSpecial && (attributes & (TokenAttributes.Control | TokenAttributes.Unknown)) != 0) continue;
            var special = _vocabulary.Texts[id];
            if (!ContainsInAnyText(text, fragments, special)) continue;

            next.Clear();
            foreach (var fragment in fragments)
            {
                if (fragment.IsToken) { next.Add(fragment); continue; }
                SplitOne(text, fragment, id, special, attributes, next);
            }
            (fragments, next) = (next, fragments);
        }
        return fragments;
    }

    private static bool ContainsInAnyText(string text, List<TextFragment> fragments, string special)
    {
        foreach (var f in fragments)
            if (!f.IsToken && text.AsSpan(f.Start, f.Length).IndexOf(special, StringComparison.Ordinal) >= 0) return true;
        return false;
    }

    private static void SplitOne(string text, TextFragment fragment, int id, string special, TokenAttributes attributes, List<TextFragment> output)
    {
        var start = fragment.Start;
        var end = fragment.Start + fragment.Length;
        while (start < end)
        {
            var found = text.AsSpan(start, end - start).IndexOf(special, StringComparison.Ordinal);
            if (found < 0) break;
            var match = start + found;

            var leftLength = match - start;
            if ((attributes & TokenAttributes.LStrip) != 0)
                while (leftLength > 0 && IsAsciiSpace(text[start + leftLength - 1])) leftLength--;
            if (leftLength > 0) output.Add(TextFragment.Text(start, leftLength));

            output.Add(new TextFragment(id, match, special.Length));

            start = match + special.Length;
            if ((attributes & TokenAttributes.RStrip) != 0)
                while (start < end && IsAsciiSpace(text[start])) start++;
        }
        if (start < end) output.Add(TextFragment.Text(start, end - start));
    }

    // C's isspace in the "C" locale, which is what llama.cpp strips beside LSTRIP/RSTRIP tokens.
    private static bool IsAsciiSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
