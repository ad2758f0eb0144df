using System.Text.RegularExpressions;

namespace Takase.Routing.Privacy.Recognizers;

/// <summary>
/// International bank account numbers: a country code, two check digits and the national account number (BBAN),
/// printed in groups of four or in one run; the length must be the one that country uses and the ISO 7064 mod-97
/// check must give 1.
/// </summary>
public sealed partial class IbanRecognizer : PiiRecognizer
{
    /// <summary>IBAN lengths by country (ISO 13616 registry), for the countries customers most often quote.</summary>
    private static readonly Dictionary<string, int> Lengths =
        ("AD24 AE23 AT20 BE16 BG22 BH22 BR29 CH21 CY28 CZ24 DE22 DK18 EE20 ES24 FI18 FR27 GB22 GI23 GR27 " +
        "HR21 HU28 IE22 IL23 IS26 IT27 KW30 KZ20 LI21 LT20 LU20 LV21 MC27 MT31 NL18 NO15 PL28 PT25 QA29 " +
        "RO24 SA24 SE24 SI19 SK24 SM27 TR26 UA29 VA22")
        .Split(' ').ToDictionary(e => e[..2], e => int.Parse(e[2..], System.Globalization.CultureInfo.InvariantCulture));

    /// <inheritdoc />
    public override string Name => "iban";

    /// <inheritdoc />
    protected override IReadOnlyList<string> ContextWords => ["iban", "口座", "account", "bank", "銀行", "振込", "transfer"];

    /// <inheritdoc />
    public override IEnumerable<PiiSpan> Recognize(NormalizedText text)
    {
        foreach (Match m in Pattern().Matches(text.Text))
        {
            // The pattern may run into a following upper-case word; cut it at the country's length first.
            var length = LengthOf(m.Value);
            if (length > 0 && IsValid(m.Value[..length].Replace(" ", "")))
                yield return Span(text, PiiEntityType.Iban, m.Index, m.Index + length, 0.85);
        }
    }

    /// <summary>How many characters of <paramref name="written"/> hold the country's IBAN length, or 0.</summary>
    private static int LengthOf(string written)
    {
        if (!Lengths.TryGetValue(written[..2], out var wanted)) return 0;
        var seen = 0;
        for (var i = 0; i < written.Length; i++)
        {
            if (written[i] != ' ') seen++;
            if (seen == wanted) return i + 1 == written.Length || written[i + 1] == ' ' ? i + 1 : 0;
        }
        return 0;
    }

    /// <summary>Whether <paramref name="iban"/> (no spaces, upper case) has its country's length and a mod-97 remainder of 1.</summary>
    public static bool IsValid(string iban)
    {
        if (iban.Length < 5 || !Lengths.TryGetValue(iban[..2], out var length) || iban.Length != length) return false;
        if (!char.IsAsciiDigit(iban[2]) || !char.IsAsciiDigit(iban[3])) return false;
        // Move the first four characters to the end, read letters as 10..35, and reduce mod 97 digit by digit.
        var remainder = 0;
        foreach (var c in iban[4..] + iban[..4])
        {
            if (char.IsAsciiDigit(c)) remainder = (remainder * 10 + (c - '0')) % 97;
            else if (c is >= 'A' and <= 'Z') remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
            else return false;
        }
        return remainder == 1;
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
