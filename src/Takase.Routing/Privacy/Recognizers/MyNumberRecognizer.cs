using System.Text.RegularExpressions;

namespace Takase.Routing.Privacy.Recognizers;

/// <summary>
/// Japanese individual numbers (マイナンバー / 個人番号): 12 digits, written plain or as NNNN NNNN NNNN, whose last digit
/// is the official check digit. Numbers with a wrong check digit are not reported.
/// </summary>
public sealed partial class MyNumberRecognizer : PiiRecognizer
{
    /// <inheritdoc />
    public override string Name => "my-number";

    /// <inheritdoc />
    protected override IReadOnlyList<string> ContextWords =>
        ["マイナンバー", "個人番号", "my number", "mynumber", "individual number", "通知カード"];

    /// <inheritdoc />
    protected override IReadOnlyList<string> NegativeContextWords => PiiContextWords.NotPersonalNumbers;

    /// <inheritdoc />
    public override IEnumerable<PiiSpan> Recognize(NormalizedText text)
    {
        foreach (Match m in Pattern().Matches(text.Text))
        {
            if (!IsValid(Digits.Of(m.Value))) continue;
            yield return Span(text, PiiEntityType.MyNumber, m.Index, m.Index + m.Length, 0.5);
        }
    }

    /// <summary>
    /// Whether <paramref name="digits"/> (12 ASCII digits) ends with its check digit: with P(n) the n-th digit from the
    /// right of the first 11 and Q(n) = n + 1 for n ≤ 6, n − 5 above, r = Σ P(n)·Q(n) mod 11, the check digit is 0 when
    /// r ≤ 1 and 11 − r otherwise (総務省令 第85号).
    /// </summary>
    public static bool IsValid(string digits)
    {
        if (digits.Length != 12 || !Digits.All(digits)) return false;
        var sum = 0;
        for (var n = 1; n <= 11; n++)
        {
            var p = digits[11 - n] - '0';
            var q = n <= 6 ? n + 1 : n - 5;
            sum += p * q;
        }
        var r = sum % 11;
        var check = r <= 1 ? 0 : 11 - r;
        return digits[11] - '0' == check;
    }

    // Twelve digits, groups of four with one consistent separator, not part of a longer digit run.
    [GeneratedRegex(@"(?<![0-9\-])(?<![0-9][ \-])[0-9]{4}([ \-]?)[0-9]{4}\1[0-9]{4}(?![0-9])(?![ \-][0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
