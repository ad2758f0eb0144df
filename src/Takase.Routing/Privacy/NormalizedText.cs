using System.Globalization;
using System.Text;

namespace Takase.Routing.Privacy;

/// <summary>
/// A text prepared for matching: full-width letters, digits and symbols folded to ASCII (NFKC, one character or
/// combining sequence at a time), the many dash code points (‐ − – — ー between digits …) folded to '-', and the
/// ideographic space to ' '. An index map keeps every normalized character's origin, so spans found in
/// <see cref="Text"/> are reported in the caller's original text (<c>０９０−１２３４−５６７８</c> is matched as
/// <c>090-1234-5678</c> and reported at its full-width indices).
/// </summary>
public sealed class NormalizedText
{
    private readonly int[]? _start;
    private readonly int[]? _end;

    private NormalizedText(string original, string text, string lower, int[]? start, int[]? end)
    {
        Original = original;
        Text = text;
        Lower = lower;
        _start = start;
        _end = end;
    }

    /// <summary>The text as the caller gave it.</summary>
    public string Original { get; }

    /// <summary>The normalized text the recognizers match against.</summary>
    public string Text { get; }

    /// <summary><see cref="Text"/> lower-cased (same length), for context words.</summary>
    public string Lower { get; }

    /// <summary>Normalizes <paramref name="original"/>; ASCII-only text is its own normalization (no map kept).</summary>
    public static NormalizedText Create(string original)
    {
        if (IsPlainAscii(original)) return new NormalizedText(original, original, original.ToLowerInvariant(), null, null);

        var text = new StringBuilder(original.Length);
        var start = new List<int>(original.Length);
        var end = new List<int>(original.Length);
        var i = 0;
        while (i < original.Length)
        {
            var length = SequenceLength(original, i);
            var piece = Fold(original, i, length);
            foreach (var c in piece)
            {
                text.Append(c);
                start.Add(i);
                end.Add(i + length);
            }
            i += length;
        }
        var normalized = text.ToString();
        return new NormalizedText(original, normalized, normalized.ToLowerInvariant(), [.. start], [.. end]);
    }

    /// <summary>The original span of the normalized span [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public (int Start, int End) ToOriginal(int start, int end)
    {
        if (_start is null || _end is null) return (start, end);
        if (end <= start) return (start < _start.Length ? _start[start] : Original.Length, start < _start.Length ? _start[start] : Original.Length);
        return (_start[start], _end[end - 1]);
    }

    private static bool IsPlainAscii(string s)
    {
        foreach (var c in s)
            if (c > '\u007E') return false;
        return true;
    }

    /// <summary>One code point (a surrogate pair counts as one) and the combining marks that follow it.</summary>
    private static int SequenceLength(string s, int i)
    {
        var length = char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
        while (i + length < s.Length && IsCombining(s[i + length])) length++;
        return length;
    }

    private static bool IsCombining(char c) =>
        c is '\uFF9E' or '\uFF9F' or '\u3099' or '\u309A'
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
            or UnicodeCategory.EnclosingMark;

    private static string Fold(string s, int i, int length)
    {
        if (length == 1)
        {
            var c = s[i];
            if (c < '\u007F') return c.ToString();
            if (IsDash(c) || c is '\u30FC' or '\uFF70' && IsDigitAround(s, i)) return "-";
            if (c is '\u3000' or '\u00A0') return " ";
            if (char.IsSurrogate(c)) return c.ToString();
        }
        var piece = s.Substring(i, length);
        try
        {
            var folded = piece.Normalize(NormalizationForm.FormKC);
            return folded.Length == 1 && IsDash(folded[0]) ? "-" : folded;
        }
        catch (ArgumentException)
        {
            return piece; // an ill-formed sequence (lone surrogate) is matched as it is
        }
    }

    /// <summary>Hyphens, minus signs and dashes that people type between digit groups.</summary>
    private static bool IsDash(char c) =>
        c is '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014' or '\u2015' or '\u2212' or '\uFE63' or '\uFF0D';

    /// <summary>The long-vowel mark ー (and half-width ｰ) is a dash only between digits (０９０ー１２３４…), a vowel elsewhere (データ).</summary>
    private static bool IsDigitAround(string s, int i) =>
        i > 0 && i + 1 < s.Length && IsAnyDigit(s[i - 1]) && IsAnyDigit(s[i + 1]);

    private static bool IsAnyDigit(char c) => c is >= '0' and <= '9' or >= '\uFF10' and <= '\uFF19';
}
