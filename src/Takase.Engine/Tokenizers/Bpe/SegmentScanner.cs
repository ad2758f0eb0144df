using Takase.Engine.Tokenizers.Unicode;

namespace Takase.Engine.Tokenizers.Bpe;

/// <summary>
/// Cursor over one segment for the hand-written splitters: reading outside the segment yields no flags (as
/// llama.cpp's OUT_OF_RANGE), and <see cref="Cut"/> ends the current word.
/// </summary>
internal ref struct SegmentScanner(ReadOnlySpan<int> codePoints, int begin, int end, List<int> result)
{
    private readonly ReadOnlySpan<int> _codePoints = codePoints;
    private int _wordStart = begin;

    public readonly int Begin = begin;
    public readonly int End = end;

    public readonly int At(int pos) => pos >= Begin && pos < End ? _codePoints[pos] : -1;
    public readonly CodePointFlags FlagsAt(int pos) => pos >= Begin && pos < End ? UnicodeClass.Flags(_codePoints[pos]) : CodePointFlags.None;

    /// <summary>Ends the current word at <paramref name="pos"/> (an empty word is not recorded); returns pos.</summary>
    public int Cut(int pos)
    {
        if (pos > _wordStart) result.Add(pos - _wordStart);
        _wordStart = pos;
        return pos;
    }

    public static bool IsLetter(CodePointFlags f) => (f & CodePointFlags.Letter) != 0;
    public static bool IsNumber(CodePointFlags f) => (f & CodePointFlags.Number) != 0;
    public static bool IsWhitespace(CodePointFlags f) => (f & CodePointFlags.Whitespace) != 0;

    /// <summary>[^\s\p{L}\p{N}] inside the segment (outside it nothing matches).</summary>
    public static bool IsOther(CodePointFlags f) =>
        f != CodePointFlags.None && (f & (CodePointFlags.Whitespace | CodePointFlags.Letter | CodePointFlags.Number)) == 0;
}
