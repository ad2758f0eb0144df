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
    protected override int ContextAfter => 8;

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
        // Walk the capitalised words: a name is a word and the word right after it (one space apart).
        var words = Capitalised().Matches(text.Text);
        for (var w = 0; w < words.Count; w++)
        {
            var word = words[w];
            if (titled.Any(t => t.Start <= word.Index && word.Index < t.End)) continue;
            var next = w + 1 < words.Count && words[w + 1].Index == word.Index + word.Length + 1
                       && text.Text[word.Index + word.Length] == ' ' ? words[w + 1] : null;
            var nextIsSurname = next is not null && !NotSurnames.Contains(next.Value);
            if (_dictionaries.LatinGivenNames.Contains(word.Value))
            {
                if (nextIsSurname)
                {
                    yield return Span(text, PiiEntityType.Person, word.Index, next!.Index + next.Length, 0.7, "dictionary");
                    w++;
                }
                else yield return Span(text, PiiEntityType.Person, word.Index, word.Index + word.Length, 0.2, "given-name");
            }
            else if (nextIsSurname && _dictionaries.LatinSurnames.Contains(next!.Value) && !NotGivenNames.Contains(word.Value))
            {
                yield return Span(text, PiiEntityType.Person, word.Index, next.Index + next.Length, 0.6, "dictionary");
                w++;
            }
        }
    }

    [GeneratedRegex(@"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.? (?<name>\p{Lu}[\p{Ll}'\-]+(?: \p{Lu}[\p{Ll}'\-]+){0,2})\b", RegexOptions.CultureInvariant)]
    private static partial Regex Titled();

    // A capitalised word (O'Brien and McDonald included).
    [GeneratedRegex(@"(?<![\p{L}'])\p{Lu}['\p{Ll}]*\p{Ll}(?:\p{Lu}\p{Ll}+)?(?![\p{L}'])", RegexOptions.CultureInvariant)]
    private static partial Regex Capitalised();
}
