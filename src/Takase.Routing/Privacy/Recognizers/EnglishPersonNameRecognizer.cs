using System.Text.RegularExpressions;

namespace Takase.Routing.Privacy.Recognizers;

/// <summary>
/// Personal names in Latin script: capitalised words after a title (Mr. Tanaka, Dr. Emily Chen), a listed given name
/// followed by a capitalised surname (Emily Watson), a capitalised given name followed by a listed surname (Priyanka
/// Patel), and a listed given name alone next to a context word ("my name is Sarah", "Hi Sarah,", "Thanks, Sarah").
/// The title is not part of the span.
/// </summary>
public sealed partial class EnglishPersonNameRecognizer(PiiDictionaries dictionaries) : PiiRecognizer
{
    // Capitalised words that start sentences or greetings and so are not a given name before a surname.
    private static readonly HashSet<string> NotGivenNames =
    [
        "Dear", "Hi", "Hello", "Hey", "Thanks", "Thank", "Regards", "Best", "Sincerely", "Cheers", "Attn", "Attention",
        "The", "A", "An", "My", "Our", "Your", "This", "That", "Contact", "Call", "Email", "Please", "Customer", "Support",
        "Team", "Account", "From", "To", "And", "Or", "But", "With", "Name", "Order", "Mr", "Mrs", "Ms", "Dr", "Prof",
        "Professor", "Agent", "Operator", "Manager", "Director", "Ask", "Tell", "Meet", "Is", "Was", "For", "By", "Via",
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Mount", "Lake", "Saint", "San",
    ];

    // Capitalised words that follow a given name without being a surname ("John Street", "Emily Thanks").
    private static readonly HashSet<string> NotSurnames =
    [
        "Street", "St", "Avenue", "Road", "Lane", "Drive", "Way", "Court", "Thanks", "Thank", "Regards", "Team", "Support",
        "Here", "Please", "And", "The", "Is", "From", "Sent", "On", "In", "At", "I", "We", "You", "He", "She", "They",
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Customer", "Account",
    ];

    private readonly PiiDictionaries _dictionaries = dictionaries;

    /// <inheritdoc />
    public override string Name => "person-en";

    /// <inheritdoc />
    public override bool Supports(PiiLanguage language) => language == PiiLanguage.English;

    /// <inheritdoc />
    protected override IReadOnlyList<string> ContextWords =>
    [
        "name", "i'm", "i am", "this is", "dear", "hi", "hello", "hey", "regards", "thanks", "thank you", "cheers",
        "sincerely", "from", "attn", "signed", "customer", "contact", "ask for", "speak to", "spoke with", "spoke to",
        "called", "named",
    ];

    /// <inheritdoc />
    protected override int ContextBefore => 16;

    /// <inheritdoc />
    protected override int ContextAfter => 4;

    /// <inheritdoc />
    public override IEnumerable<PiiSpan> Recognize(NormalizedText text)
    {
        var titled = new List<(int Start, int End)>();
        foreach (Match m in Titled().Matches(text.Text))
        {
            var name = m.Groups["name"];
            titled.Add((name.Index, name.Index + name.Length));
            yield return Span(text, PiiEntityType.Person, name.Index, name.Index + name.Length, 0.8, "title");
        }
        foreach (Match m in Capitalised().Matches(text.Text))
        {
            if (titled.Any(t => t.Start <= m.Index && m.Index < t.End)) continue;
            var first = m.Groups["first"].Value;
            var last = m.Groups["last"];
            var firstListed = _dictionaries.LatinGivenNames.Contains(first);
            if (last.Success && !NotSurnames.Contains(last.Value))
            {
                var lastWord = last.Value.Split(' ')[^1];
                if (firstListed || _dictionaries.LatinSurnames.Contains(lastWord) && !NotGivenNames.Contains(first))
                {
                    yield return Span(text, PiiEntityType.Person, m.Index, m.Index + m.Length, firstListed ? 0.7 : 0.6, "dictionary");
                    continue;
                }
            }
            if (firstListed)
                yield return Span(text, PiiEntityType.Person, m.Index, m.Index + first.Length, 0.2, "given-name");
        }
    }

    [GeneratedRegex(@"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.? (?<name>\p{Lu}[\p{Ll}'\-]+(?: \p{Lu}[\p{Ll}'\-]+){0,2})\b", RegexOptions.CultureInvariant)]
    private static partial Regex Titled();

    // A capitalised word, optionally a middle initial, and a capitalised last word (possibly O'Brien or McDonald).
    [GeneratedRegex(@"(?<![\p{L}'])(?<first>\p{Lu}\p{Ll}+)(?: (?<last>(?:\p{Lu}\. )?\p{Lu}['\p{Ll}]*\p{Ll}(?:\p{Lu}\p{Ll}+)?))?(?![\p{L}'])", RegexOptions.CultureInvariant)]
    private static partial Regex Capitalised();
}
