using System.Text.RegularExpressions;

namespace Takase.Routing.Privacy.Recognizers;

/// <summary>
/// Postal codes. A Japanese code after 〒 is certain (the mark is not part of the span); NNN-NNNN or NNNNNNN elsewhere
/// is reported only next to words such as 郵便番号, zip or postal. US ZIP codes count after a state abbreviation
/// ("Springfield, IL 62704") or next to "zip".
/// </summary>
public sealed partial class PostalCodeRecognizer : PiiRecognizer
{
    /// <inheritdoc />
    public override string Name => "postal-code";

    /// <inheritdoc />
    protected override IReadOnlyList<string> ContextWords =>
        ["郵便番号", "〒", "zip", "postal", "post code", "postcode", "住所", "address", "郵便"];

    /// <inheritdoc />
    protected override IReadOnlyList<string> NegativeContextWords => PiiContextWords.NotPersonalNumbers;

    /// <inheritdoc />
    protected override int ContextBefore => 16;

    /// <inheritdoc />
    public override IEnumerable<PiiSpan> Recognize(NormalizedText text)
    {
        var marked = new HashSet<int>();
        foreach (Match m in AfterMark().Matches(text.Text))
        {
            marked.Add(m.Index);
            yield return Span(text, PiiEntityType.PostalCode, m.Index, m.Index + m.Length, 0.9, "jp");
        }
        foreach (Match m in JapaneseBare().Matches(text.Text))
            if (!marked.Contains(m.Index))
                yield return Span(text, PiiEntityType.PostalCode, m.Index, m.Index + m.Length, 0.1, "jp");
        foreach (Match m in UsAfterState().Matches(text.Text))
            yield return Span(text, PiiEntityType.PostalCode, m.Index, m.Index + m.Length, 0.6, "us");
        foreach (Match m in UsBare().Matches(text.Text))
            yield return Span(text, PiiEntityType.PostalCode, m.Index, m.Index + m.Length, 0.1, "us");
    }

    [GeneratedRegex(@"(?<=〒[ ]?)[0-9]{3}-?[0-9]{4}(?![0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex AfterMark();

    [GeneratedRegex(@"(?<![0-9\-])[0-9]{3}-?[0-9]{4}(?![0-9]|-[0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex JapaneseBare();

    [GeneratedRegex(@"(?<=\b(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY),? )[0-9]{5}(?:-[0-9]{4})?(?![0-9]|-[0-9])",
        RegexOptions.CultureInvariant)]
    private static partial Regex UsAfterState();

    [GeneratedRegex(@"(?<![0-9\-A-Za-z])[0-9]{5}(?:-[0-9]{4})?(?![0-9]|-[0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex UsBare();
}
