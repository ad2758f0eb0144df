using System.Text.RegularExpressions;

namespace Takase.Routing.Privacy.Recognizers;

/// <summary>
/// Payment card numbers: 14–19 digits in the groupings cards print (4-4-4-4, 4-6-5, 4-6-4, 4-4-4-4-3), one consistent
/// separator, a known issuer prefix with a length that issuer uses, and a valid Luhn checksum.
/// </summary>
public sealed partial class CreditCardRecognizer : PiiRecognizer
{
    /// <inheritdoc />
    public override string Name => "credit-card";

    /// <inheritdoc />
    protected override IReadOnlyList<string> ContextWords =>
    [
        "card", "カード", "クレジット", "credit", "visa", "mastercard", "amex", "american express", "jcb", "diners",
        "discover", "決済", "支払", "payment", "カード番号",
    ];

    /// <inheritdoc />
    protected override IReadOnlyList<string> NegativeContextWords => PiiContextWords.NotPersonalNumbers;

    /// <inheritdoc />
    public override IEnumerable<PiiSpan> Recognize(NormalizedText text)
    {
        foreach (Match m in Grouped().Matches(text.Text))
        {
            var digits = Digits.Of(m.Value);
            if (Issuer(digits) is { } issuer && Luhn(digits))
                yield return Span(text, PiiEntityType.CreditCard, m.Index, m.Index + m.Length, 0.8, issuer);
        }
    }

    /// <summary>Whether <paramref name="digits"/> passes the Luhn (mod 10) check.</summary>
    public static bool Luhn(string digits)
    {
        if (digits.Length < 2 || !Digits.All(digits)) return false;
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            sum += d;
        }
        return sum % 10 == 0;
    }

    /// <summary>The card scheme whose issuer prefixes (IIN) and lengths fit <paramref name="digits"/>, or null.</summary>
    public static string? Issuer(string digits)
    {
        var n = digits.Length;
        int Prefix(int length) => int.Parse(digits.AsSpan(0, length));
        if (n < 13) return null;
        // 13-digit Visa numbers are no longer issued, and 13 digits starting with 4 are mostly JAN/EAN barcodes (49…, 45…).
        if (digits[0] == '4' && n is 16 or 19) return "visa";
        if (n == 16 && (Prefix(2) is >= 51 and <= 55 || Prefix(4) is >= 2221 and <= 2720)) return "mastercard";
        if (n == 15 && Prefix(2) is 34 or 37) return "amex";
        if (n is >= 16 and <= 19 && Prefix(4) is >= 3528 and <= 3589) return "jcb";
        if (n is >= 14 and <= 19 && (Prefix(3) is >= 300 and <= 305 || Prefix(2) is 36 or 38 or 39)) return "diners";
        if (n is >= 16 and <= 19 && (Prefix(4) == 6011 || Prefix(3) is >= 644 and <= 649 || Prefix(2) == 65)) return "discover";
        if (n is >= 16 and <= 19 && Prefix(2) == 62) return "unionpay";
        return null;
    }

    [GeneratedRegex(@"(?<![0-9\-])(?<![0-9][ \-])(?:[0-9]{4}(?<s>[ \-]?)[0-9]{4}\k<s>[0-9]{4}\k<s>[0-9]{1,4}(?:\k<s>[0-9]{3})?|[0-9]{4}(?<t>[ \-]?)[0-9]{6}\k<t>[0-9]{4,5})(?![0-9])(?![ \-][0-9])",
        RegexOptions.CultureInvariant)]
    private static partial Regex Grouped();
}
