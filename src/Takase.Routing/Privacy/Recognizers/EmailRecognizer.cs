using System.Text.RegularExpressions;

namespace Takase.Routing.Privacy.Recognizers;

/// <summary>E-mail addresses: an ASCII local part, '@', dotted domain labels and an alphabetic top-level domain.</summary>
public sealed partial class EmailRecognizer : PiiRecognizer
{
    /// <inheritdoc />
    public override string Name => "email";

    /// <inheritdoc />
    public override IEnumerable<PiiSpan> Recognize(NormalizedText text)
    {
        foreach (Match m in Pattern().Matches(text.Text))
            yield return Span(text, PiiEntityType.Email, m.Index, m.Index + m.Length, 0.9);
    }

    // Look-arounds name ASCII characters only: a Japanese particle right before or after the address is a boundary.
    [GeneratedRegex(@"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9\-])",
        RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
