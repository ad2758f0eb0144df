using Takase.Routing.Privacy.Recognizers;

namespace Takase.Routing.Privacy;

/// <summary>What the analyzer runs and how sure a match must be to count.</summary>
public sealed record PiiAnalyzerOptions
{
    /// <summary>Matches scoring below this are dropped (Presidio's threshold). 0.4 keeps context-only matches (a bare
    /// 7-digit code next to 郵便番号) and drops them without the context word.</summary>
    public double MinScore { get; init; } = 0.4;

    /// <summary>The name and prefecture lists for the name and address recognizers.</summary>
    public PiiDictionaries Dictionaries { get; init; } = PiiDictionaries.Default;

    /// <summary>Extra recognizers to run beside the built-in ones (a deployment's own customer-id format).</summary>
    public IReadOnlyList<PiiRecognizer> ExtraRecognizers { get; init; } = [];
}

/// <summary>
/// Finds personal data in English and Japanese text: normalizes full-width forms, runs every recognizer for the
/// language, maps spans back to the original text, drops matches below <see cref="PiiAnalyzerOptions.MinScore"/> and
/// resolves overlaps (the higher score wins, then the longer span). Thread-safe; build one and share it.
/// </summary>
public sealed class PiiAnalyzer
{
    private readonly PiiAnalyzerOptions _options;
    private static readonly Lazy<PiiAnalyzer> Built = new(() => new PiiAnalyzer());

    /// <summary>An analyzer with the default options, built once (what the router uses unless given its own).</summary>
    public static PiiAnalyzer Default => Built.Value;

    /// <summary>An analyzer with the built-in recognizers (and the options' extra ones).</summary>
    public PiiAnalyzer(PiiAnalyzerOptions? options = null)
    {
        _options = options ?? new PiiAnalyzerOptions();
        var d = _options.Dictionaries;
        Recognizers =
        [
            new EmailRecognizer(), new UrlCredentialsRecognizer(), new PhoneNumberRecognizer(), new MyNumberRecognizer(),
            new CorporateNumberRecognizer(), new CreditCardRecognizer(), new PostalCodeRecognizer(), new IpAddressRecognizer(),
            new IbanRecognizer(), new DateOfBirthRecognizer(), new JapanesePersonNameRecognizer(d),
            new EnglishPersonNameRecognizer(d), new JapaneseAddressRecognizer(d), new EnglishAddressRecognizer(),
            .. _options.ExtraRecognizers,
        ];
    }

    /// <summary>The recognizers this analyzer runs (for the languages they support).</summary>
    public IReadOnlyList<PiiRecognizer> Recognizers { get; }

    /// <summary>The entities in <paramref name="text"/>, in order of position, none overlapping.</summary>
    public IReadOnlyList<PiiSpan> Analyze(string text, PiiLanguage language = PiiLanguage.Auto)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) return [];
        if (language == PiiLanguage.Auto) language = PiiLanguages.Detect(text);
        var normalized = NormalizedText.Create(text);
        var found = new List<PiiSpan>();
        foreach (var recognizer in Recognizers)
        {
            if (!recognizer.Supports(language)) continue;
            foreach (var span in recognizer.Recognize(normalized))
            {
                if (span.Score < _options.MinScore || span.End <= span.Start) continue;
                var (start, end) = normalized.ToOriginal(span.Start, span.End);
                found.Add(span with { Start = start, End = end });
            }
        }
        return ResolveOverlaps(found);
    }

    /// <summary>Keeps the best of overlapping spans: higher score first, then the longer one, then the earlier one.</summary>
    public static IReadOnlyList<PiiSpan> ResolveOverlaps(IEnumerable<PiiSpan> spans)
    {
        var kept = new List<PiiSpan>();
        foreach (var span in spans.OrderByDescending(s => s.Score).ThenByDescending(s => s.Length).ThenBy(s => s.Start))
            if (!kept.Any(k => k.Overlaps(span)))
                kept.Add(span);
        kept.Sort((a, b) => a.Start.CompareTo(b.Start));
        return kept;
    }
}
