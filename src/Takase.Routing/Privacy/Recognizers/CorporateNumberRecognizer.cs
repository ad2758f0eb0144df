using System.Text.RegularExpressions;

namespace Takase.Routing.Privacy.Recognizers;

/// <summary>
/// Japanese corporate numbers (法人番号): 13 digits, written plain or as N-NNNN-NNNN-NNNN, whose FIRST digit checks
/// the other twelve. Not personal data in itself, but it identifies a sole proprietor's business and is asked for in
/// the same forms, so policies can treat it like the other numbers.
/// </summary>
public sealed partial class CorporateNumberRecognizer : PiiRecognizer
{
    /// <inheritdoc />
    public override string Name => "corporate-number";

    /// <inheritdoc />
    protected override IReadOnlyList<string> ContextWords => ["法人番号", "corporate number", "法人", "登録番号", "インボイス"];

    /// <inheritdoc />
    protected override IReadOnlyList<string> NegativeContextWords => PiiContextWords.NotPersonalNumbers;

    /// <inheritdoc />
    public override IEnumerable<PiiSpan> Recognize(NormalizedText text)
    {
        foreach (Match m in Pattern().Matches(text.Text))
        {
            if (!IsValid(Digits.Of(m.Value))) continue;
            yield return Span(text, PiiEntityType.CorporateNumber, m.Index, m.Index + m.Length, 0.5);
        }
    }

    /// <summary>
    /// Whether the first of <paramref name="digits"/> (13 ASCII digits) checks the other twelve: with weights 1, 2, 1, 2 …
    /// from the rightmost of the twelve, the check digit is 9 − (Σ weight·digit mod 9) (法人番号の指定等に関する省令).
    /// </summary>
    public static bool IsValid(string digits)
    {
        if (digits.Length != 13 || !Digits.All(digits)) return false;
        var sum = 0;
        for (var n = 1; n <= 12; n++)
            sum += (digits[13 - n] - '0') * (n % 2 == 1 ? 1 : 2);
        return digits[0] - '0' == 9 - sum % 9;
    }

    [GeneratedRegex(@"(?<![0-9\-])(?<![0-9][ \-])[0-9]([ \-]?)[0-9]{4}\1[0-9]{4}\1[0-9]{4}(?![0-9])(?![ \-][0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
