using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Takase.Engine.Tokenizers.Unicode;

/// <summary>
/// Per-code-point facts the tokenizers need, computed the way llama.cpp's generated tables define them but taken
/// from the runtime's Unicode data (<see cref="CharUnicodeInfo"/>), always on whole code points so characters
/// outside the BMP (𠮷, emoji) are classified like any other.
/// </summary>
internal static class UnicodeClass
{
    // The BMP is looked up constantly (every character of every prompt); one table keeps that a load.
    private static readonly CodePointFlags[] Bmp = BuildBmp();
    private static readonly ConcurrentDictionary<int, int> NfdFirstCache = new();

    /// <summary>Category group and whitespace bit of <paramref name="codePoint"/>.</summary>
    public static CodePointFlags Flags(int codePoint) =>
        (uint)codePoint < (uint)Bmp.Length ? Bmp[codePoint] : Compute(codePoint);

    /// <summary>True for Unicode White_Space: TAB..CR, space, NEL, NBSP, U+1680, U+2000..U+200A, U+2028/9, U+202F, U+205F, U+3000.</summary>
    public static bool IsWhitespace(int codePoint) => codePoint switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    /// <summary>
    /// Simple (one-to-one) lowercase mapping from UnicodeData, as llama.cpp's <c>unicode_tolower</c>. The runtime's
    /// invariant casing leaves U+0130 (İ) alone; UnicodeData maps it to 'i', so that one is patched here.
    /// </summary>
    public static int ToLower(int codePoint)
    {
        if (codePoint < 0x80) return codePoint is >= 'A' and <= 'Z' ? codePoint + 32 : codePoint;
        if (codePoint == 0x130) return 'i';
        return Rune.IsValid(codePoint) ? Rune.ToLowerInvariant(new Rune(codePoint)).Value : codePoint;
    }

    /// <summary>
    /// The first code point of the canonical decomposition (NFD) of <paramref name="codePoint"/>, which is what
    /// llama.cpp's <c>unicode_cpts_normalize_nfd</c> keeps: "é" becomes "e" (the combining accent is dropped, not
    /// emitted as a second code point).
    /// </summary>
    public static int NfdFirst(int codePoint)
    {
        if (codePoint < 0xC0 || !Rune.IsValid(codePoint)) return codePoint;
        return NfdFirstCache.GetOrAdd(codePoint, static cp =>
        {
            var decomposed = new Rune(cp).ToString().Normalize(NormalizationForm.FormD);
            return Rune.DecodeFromUtf16(decomposed, out var first, out _) == OperationStatus.Done ? first.Value : cp;
        });
    }

    private static CodePointFlags[] BuildBmp()
    {
        var table = new CodePointFlags[0x10000];
        for (var cp = 0; cp < table.Length; cp++) table[cp] = Compute(cp);
        return table;
    }

    private static CodePointFlags Compute(int codePoint)
    {
        var flags = CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CodePointFlags.Letter,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => CodePointFlags.Mark,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CodePointFlags.Number,
            UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => CodePointFlags.Separator,
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse => CodePointFlags.Control,
            UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation => CodePointFlags.Punctuation,
            UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                or UnicodeCategory.OtherSymbol => CodePointFlags.Symbol,
            _ => CodePointFlags.Undefined,
        };
        return IsWhitespace(codePoint) ? flags | CodePointFlags.Whitespace : flags;
    }
}
