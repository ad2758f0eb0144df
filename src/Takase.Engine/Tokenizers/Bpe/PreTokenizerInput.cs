using Takase.Engine.Tokenizers.Unicode;

namespace Takase.Engine.Tokenizers.Bpe;

/// <summary>
/// The code points of one text fragment plus the one-character-per-code-point views that the regex steps run on.
/// Because every view has exactly one UTF-16 unit per code point, all offsets are code-point offsets, and a
/// character outside the BMP can never be split or misclassified by a UTF-16 regex engine.
/// </summary>
internal sealed class PreTokenizerInput(int[] codePoints, int count)
{
    private char[]? _collapsed;
    private char[]? _wide;

    public ReadOnlySpan<int> CodePoints => codePoints.AsSpan(0, count);
    public int Count => count;

    /// <summary>
    /// llama.cpp's "collapsed" text for regexes that use \p{…}: ASCII stays itself, other whitespace becomes \v,
    /// and every other code point becomes one stand-in character per category group
    /// (<see cref="RegexTranslation"/> rewrites \p{L} etc. to match those stand-ins).
    /// </summary>
    public ReadOnlySpan<char> Collapsed => _collapsed ??= Build(collapse: true);

    /// <summary>
    /// The text for regexes without \p{…}: BMP code points as themselves (non-ASCII whitespace as \v, because
    /// llama.cpp's regex \s is ASCII-only), anything beyond the BMP as U+FFFF, which no supported pattern names.
    /// </summary>
    public ReadOnlySpan<char> Wide => _wide ??= Build(collapse: false);

    private char[] Build(bool collapse)
    {
        var result = new char[count];
        for (var i = 0; i < count; i++)
        {
            var cp = codePoints[i];
            if (cp < 0x80) { result[i] = (char)cp; continue; }
            var flags = UnicodeClass.Flags(cp);
            if ((flags & CodePointFlags.Whitespace) != 0) { result[i] = '\v'; continue; }
            result[i] = collapse ? RegexTranslation.StandIn(flags) : cp <= 0xFFFF ? (char)cp : '\uFFFF';
        }
        return result;
    }
}
