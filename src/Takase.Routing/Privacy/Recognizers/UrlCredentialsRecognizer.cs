using System.Text.RegularExpressions;

namespace Takase.Routing.Privacy.Recognizers;

/// <summary>
/// URLs that carry a password (<c>postgres://app:s3cret@db.internal:5432/prod</c>): the whole URL is the entity, since
/// host and path tell where the password opens. Wins over the e-mail look-alike inside it by its higher score.
/// </summary>
public sealed partial class UrlCredentialsRecognizer : PiiRecognizer
{
    /// <inheritdoc />
    public override string Name => "url-credentials";

    /// <inheritdoc />
    public override IEnumerable<PiiSpan> Recognize(NormalizedText text)
    {
        foreach (Match m in Pattern().Matches(text.Text))
        {
            var end = m.Index + m.Length;
            // Sentence punctuation after a URL is not part of it.
            while (end > m.Index && ".,;:!?)]}'\"".Contains(text.Text[end - 1])) end--;
            yield return Span(text, PiiEntityType.UrlCredentials, m.Index, end, 0.95);
        }
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9+.\-]{1,15}://[^\s:/@'""<>\u0080-\uFFFF]+:[^\s/@'""<>\u0080-\uFFFF]+@[!-~-[""'<>]]+",
        RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
