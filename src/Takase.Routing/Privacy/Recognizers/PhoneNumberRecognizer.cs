using System.Text.RegularExpressions;

namespace Takase.Routing.Privacy.Recognizers;

/// <summary>
/// Phone numbers. Japanese numbers are classified by their digits: mobile 070/080/090 and IP phone 050 (11 digits),
/// toll-free 0120 (10) and 0800 (11), navi dial 0570 (10), and landlines (0 + area code + exchange + line, 10 digits).
/// International numbers start with '+' and a country code (E.164: at most 15 digits), North American ones may be
/// written (NXX) NXX-XXXX. Numbers written without separators score lower and need a context word such as 電話 or TEL.
/// </summary>
public sealed partial class PhoneNumberRecognizer : PiiRecognizer
{
    /// <inheritdoc />
    public override string Name => "phone";

    /// <inheritdoc />
    protected override IReadOnlyList<string> ContextWords =>
    [
        "電話", "tel", "携帯", "ケータイ", "連絡先", "fax", "ファックス", "phone", "call", "mobile", "cell", "contact",
        "☎", "reach me", "text me", "whatsapp",
    ];

    /// <inheritdoc />
    protected override IReadOnlyList<string> NegativeContextWords => PiiContextWords.NotPersonalNumbers;

    /// <inheritdoc />
    public override IEnumerable<PiiSpan> Recognize(NormalizedText text)
    {
        foreach (Match m in Japanese().Matches(text.Text))
        {
            var (variant, score) = ClassifyJapanese(m.Value);
            if (variant is not null) yield return Span(text, PiiEntityType.Phone, m.Index, m.Index + m.Length, score, variant);
        }
        foreach (Match m in International().Matches(text.Text))
        {
            var digits = Digits.Of(m.Value.Replace("(0)", ""));
            if (digits.Length is >= 8 and <= 15)
                yield return Span(text, PiiEntityType.Phone, m.Index, m.Index + m.Length, 0.7, "international");
        }
        foreach (Match m in NorthAmerican().Matches(text.Text))
            yield return Span(text, PiiEntityType.Phone, m.Index, m.Index + m.Length, 0.45, "nanp");
    }

    /// <summary>The kind of Japanese number <paramref name="written"/> is and its base score, or null when it is none.</summary>
    internal static (string? Variant, double Score) ClassifyJapanese(string written)
    {
        var digits = Digits.Of(written);
        var separated = digits.Length != written.Length;
        var prefix3 = digits.Length >= 3 ? digits[..3] : "";
        var prefix4 = digits.Length >= 4 ? digits[..4] : "";
        if (digits.Length == 11)
        {
            if (prefix3 is "070" or "080" or "090") return ("jp-mobile", separated ? 0.7 : 0.5);
            if (prefix3 is "050") return ("jp-ip", separated ? 0.7 : 0.5);
            if (prefix4 is "0800") return ("jp-toll-free", separated ? 0.7 : 0.4);
            return (null, 0);
        }
        if (digits.Length == 10)
        {
            if (prefix4 is "0120") return ("jp-toll-free", separated ? 0.7 : 0.4);
            if (prefix4 is "0570") return ("jp-navi-dial", separated ? 0.7 : 0.4);
            // 0X0 prefixes other than landline area codes are 11-digit services; 00 is the international prefix.
            if (digits[1] == '0' || prefix3 is "070" or "080" or "090" or "050" or "060" or "020") return (null, 0);
            return ("jp-landline", separated ? 0.6 : 0.3);
        }
        return (null, 0);
    }

    // 0 + up to 4 digits, then up to two more groups with hyphens, spaces or parentheses, or 10–11 digits in a row.
    [GeneratedRegex(@"(?<![0-9A-Za-z+\-\.])(?:\(0[0-9]{1,4}\)[ ]?[0-9]{1,4}-?[0-9]{4}|0[0-9]{1,4}\([0-9]{1,4}\)[0-9]{4}|0[0-9]{1,4}(?<s>[\- ])[0-9]{1,4}\k<s>[0-9]{3,4}|0[0-9]{9,10})(?![0-9A-Za-z]|[\-\.][0-9])",
        RegexOptions.CultureInvariant)]
    private static partial Regex Japanese();

    [GeneratedRegex(@"(?<![0-9A-Za-z+])\+[1-9][0-9]{0,2}[ \-.]?(?:\(0\)[ \-.]?)?\(?[0-9]{1,4}\)?(?:[ \-.]?[0-9]{1,5}){1,4}(?![0-9A-Za-z]|[\-.][0-9])",
        RegexOptions.CultureInvariant)]
    private static partial Regex International();

    // (415) 555-0134, 415-555-0134, 1-800-555-0199: area code and exchange start with 2–9.
    [GeneratedRegex(@"(?<![0-9A-Za-z+\-\.])(?:1[ \-])?(?:\([2-9][0-9]{2}\)[ ]?|[2-9][0-9]{2}[\-. ])[2-9][0-9]{2}[\-. ][0-9]{4}(?![0-9A-Za-z]|[\-.][0-9])",
        RegexOptions.CultureInvariant)]
    private static partial Regex NorthAmerican();
}
