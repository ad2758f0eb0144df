using System.Text.RegularExpressions;

namespace Takase.Routing.Privacy.Recognizers;

/// <summary>
/// English street addresses: a house number, the street's capitalised name and a street-type word (Street, Ave, Road
/// …), with an optional unit (Apt 4B, Suite 200). City, state and ZIP are left to the other recognizers: they are
/// not personal alone.
/// Runs for every language: it matches only Latin addresses (an English mail can quote a Japanese address).
/// </summary>
public sealed partial class EnglishAddressRecognizer : PiiRecognizer
{
    /// <inheritdoc />
    public override string Name => "address-en";

    /// <inheritdoc />
    protected override IReadOnlyList<string> ContextWords =>
        ["address", "live at", "lives at", "ship to", "deliver", "delivery", "shipping", "billing", "moved to", "located at", "mail"];

    /// <inheritdoc />
    public override IEnumerable<PiiSpan> Recognize(NormalizedText text)
    {
        foreach (Match m in Pattern().Matches(text.Text))
            yield return Span(text, PiiEntityType.Address, m.Index, m.Index + m.Length, 0.7);
    }

    [GeneratedRegex(@"(?<![0-9A-Za-z\-])[0-9]{1,5}[A-Za-z]? (?:[NSEW]\.? )?(?:[A-Z][a-z]+ |[0-9]{1,3}(?:st|nd|rd|th) ){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|Terrace|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq)\b(?:,? (?:Apt|Apartment|Suite|Ste|Unit|Flat|#)\.? ?#?[0-9A-Za-z\-]+)?",
        RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
