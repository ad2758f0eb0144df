using System.Collections.Frozen;
using System.Text;

namespace Takase.Routing.Language;

/// <summary>
/// A fast, allocation-free language detector by script: kana → Japanese, Han without kana → Chinese, Hangul → Korean,
/// Cyrillic → Russian (Ukrainian by its own letters), Greek, Arabic (Persian by its letters), Hebrew, Devanagari, Thai;
/// Latin text is told apart by common function words (English, French, German, Spanish, Portuguese, Italian, Dutch)
/// and defaults to English when none is found. Good enough to route on; not a linguistic classifier.
/// </summary>
public static class LanguageDetector
{
    /// <summary>Below this confidence a detection is not acted on (no language-fit exclusions, no language rules).</summary>
    public const double MinConfidence = 0.5;

    // Only the head of a long prompt is read: a few thousand characters tell the language as well as a book does.
    private const int MaxCharsRead = 16_384;
    // One CJK character carries about as much text as a Latin word's letters; weigh it so mixed text is judged fairly.
    private const int CjkWeight = 3;

    private enum Script { Latin, Han, Kana, Hangul, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai, Other, Count }

    /// <summary>Detects the dominant language of <paramref name="text"/>.</summary>
    public static DetectedLanguage Detect(ReadOnlySpan<char> text)
    {
        if (text.Length > MaxCharsRead) text = text[..MaxCharsRead];
        Span<int> weight = stackalloc int[(int)Script.Count];
        int kana = 0, han = 0, latinLetters = 0, latinNonAscii = 0, ukrainianLetters = 0, persianLetters = 0;
        var latin = new LatinEvidence();
        Span<char> word = stackalloc char[LatinEvidence.MaxWordLength];
        var wordLength = 0;

        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value > 0x7F) latin.AddMark(rune);
            var script = Classify(rune);
            if (script == Script.Latin)
            {
                latinLetters++;
                if (rune.Value >= 0x80) latinNonAscii++;
                if (wordLength < word.Length && rune.IsBmp) word[wordLength] = char.ToLowerInvariant((char)rune.Value);
                wordLength++;
                weight[(int)Script.Latin]++;
                continue;
            }
            if (rune.Value is '\'' or '\u2019' && wordLength > 0 && wordLength < word.Length)
            {
                word[wordLength++] = '\''; // keep "c'est", "don't" whole
                continue;
            }
            if (wordLength > 0) latin.AddWord(word[..Math.Min(wordLength, word.Length)], wordLength > word.Length);
            wordLength = 0;
            if (script == Script.Other && !Rune.IsLetter(rune)) continue;
            switch (script)
            {
                case Script.Han: han++; break;
                case Script.Kana: kana++; break;
                case Script.Cyrillic when IsUkrainianOnly(rune): ukrainianLetters++; break;
                case Script.Arabic when IsPersianOnly(rune): persianLetters++; break;
            }
            weight[(int)script] += script is Script.Han or Script.Kana or Script.Hangul ? CjkWeight : 1;
        }
        if (wordLength > 0) latin.AddWord(word[..Math.Min(wordLength, word.Length)], wordLength > word.Length);

        var total = 0;
        foreach (var w in weight) total += w;
        if (total == 0) return DetectedLanguage.Unknown;

        // Han and kana are one writing system (Japanese mixes both); judge them together against the other scripts.
        var cjk = weight[(int)Script.Han] + weight[(int)Script.Kana];
        var best = Script.Han;
        var bestWeight = cjk;
        for (var s = Script.Hangul; s < Script.Count; s++)
            if (weight[(int)s] > bestWeight) (best, bestWeight) = (s, weight[(int)s]);
        if (weight[(int)Script.Latin] > bestWeight) (best, bestWeight) = (Script.Latin, weight[(int)Script.Latin]);
        var share = (double)bestWeight / total;

        return best switch
        {
            Script.Han when kana > 0 => new("ja", share * (kana * 10 >= kana + han ? 1.0 : 0.8)),
            // Kanji-only text may still be Japanese, and a word or two of Han says little: be less sure when short.
            Script.Han => new("zh", share * 0.9 * Math.Min(1.0, han / 8.0)),
            Script.Hangul => new("ko", share),
            Script.Cyrillic => new(ukrainianLetters > 0 ? "uk" : "ru", share * 0.9),
            Script.Greek => new("el", share),
            Script.Arabic => new(persianLetters > 0 ? "fa" : "ar", share * 0.9),
            Script.Hebrew => new("he", share),
            Script.Devanagari => new("hi", share * 0.9),
            Script.Thai => new("th", share),
            Script.Latin => latin.Decide(share, latinNonAscii * 10 > latinLetters),
            _ => DetectedLanguage.Unknown,
        };
    }

    /// <summary>An English name for a language code, for explanations ("Japanese (ja)"); the code itself when unknown.</summary>
    public static string Describe(string code) => Names.TryGetValue(code, out var name) ? $"{name} ({code})" : code;

    private static readonly FrozenDictionary<string, string> Names = new Dictionary<string, string>
    {
        ["en"] = "English",
        ["ja"] = "Japanese",
        ["zh"] = "Chinese",
        ["ko"] = "Korean",
        ["ru"] = "Russian",
        ["uk"] = "Ukrainian",
        ["el"] = "Greek",
        ["ar"] = "Arabic",
        ["fa"] = "Persian",
        ["he"] = "Hebrew",
        ["hi"] = "Hindi",
        ["th"] = "Thai",
        ["fr"] = "French",
        ["de"] = "German",
        ["es"] = "Spanish",
        ["pt"] = "Portuguese",
        ["it"] = "Italian",
        ["nl"] = "Dutch",
        ["und"] = "an undetermined language",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static Script Classify(Rune rune)
    {
        var c = rune.Value;
        return c switch
        {
            >= 'A' and <= 'Z' or >= 'a' and <= 'z' => Script.Latin,
            < 0x00C0 => Script.Other,
            <= 0x024F or >= 0x1E00 and <= 0x1EFF => Rune.IsLetter(rune) ? Script.Latin : Script.Other,
            >= 0x0370 and <= 0x03FF or >= 0x1F00 and <= 0x1FFF => Script.Greek,
            >= 0x0400 and <= 0x052F => Script.Cyrillic,
            >= 0x0590 and <= 0x05FF => Script.Hebrew,
            >= 0x0600 and <= 0x06FF or >= 0x0750 and <= 0x077F or >= 0xFB50 and <= 0xFDFF or >= 0xFE70 and <= 0xFEFF => Script.Arabic,
            >= 0x0900 and <= 0x097F => Script.Devanagari,
            >= 0x0E00 and <= 0x0E7F => Script.Thai,
            >= 0x1100 and <= 0x11FF or >= 0x3130 and <= 0x318F or >= 0xAC00 and <= 0xD7AF => Script.Hangul,
            >= 0x3040 and <= 0x30FF or >= 0x31F0 and <= 0x31FF or >= 0xFF66 and <= 0xFF9F => Script.Kana,
            >= 0x3400 and <= 0x4DBF or >= 0x4E00 and <= 0x9FFF or >= 0xF900 and <= 0xFAFF or >= 0x20000 and <= 0x3134F => Script.Han,
            _ => Script.Other,
        };
    }

    /// <summary>
    /// Whether a character is Han, kana, Hangul or CJK punctuation ("。", fullwidth forms): about one token each, where
    /// Latin text takes about four characters.
    /// </summary>
    internal static bool IsCjk(Rune rune) =>
        Classify(rune) is Script.Han or Script.Kana or Script.Hangul || rune.Value is >= 0x3000 and <= 0x303F or >= 0xFF00 and <= 0xFFEF;

    // і ї є ґ: Ukrainian letters Russian does not use.
    private static bool IsUkrainianOnly(Rune r) => r.Value is 0x0456 or 0x0457 or 0x0454 or 0x0491 or 0x0406 or 0x0407 or 0x0404 or 0x0490;

    // پ چ ژ گ: Persian letters Arabic does not use.
    private static bool IsPersianOnly(Rune r) => r.Value is 0x067E or 0x0686 or 0x0698 or 0x06AF;

    /// <summary>Counts function words and telltale marks of the Latin-script languages the detector knows.</summary>
    private struct LatinEvidence
    {
        public const int MaxWordLength = 12;
        // Enough evidence: stop looking words up after this many hits (keeps long prompts cheap).
        private const int EnoughHits = 64;

        private static readonly string[] Codes = ["en", "fr", "de", "es", "pt", "it", "nl"];

        // Frequent words that are (nearly) unique to one language; words shared between languages ("de", "la",
        // "que", "en") are left out, since they would only blur the counts.
        private static readonly FrozenDictionary<string, int> Words = BuildWords(
            "the and is are was were of to with this that what how you your for it be have not can please why which would",
            "le les est et une des du pour dans pas vous je ce qui avec sur comment pourquoi c'est sont mais très",
            "der die das und ist nicht ich ein eine zu mit sie wie was für auf bitte warum sind auch oder wird",
            "el los las y es un una por para con qué cómo del se está pero muy también puedes",
            "os não um uma com do da em você como são mais também isso ou",
            "il gli è che di per non sono della anche questo perché come",
            "het een van niet ik je wat hoe voor zijn maar ook dit");

        private static readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Lookup =
            Words.GetAlternateLookup<ReadOnlySpan<char>>();

        private int _en, _fr, _de, _es, _pt, _it, _nl, _hits;

        public void AddWord(ReadOnlySpan<char> word, bool truncated)
        {
            if (truncated || _hits >= EnoughHits || !Lookup.TryGetValue(word.TrimEnd('\''), out var language)) return;
            Count(language);
        }

        // Letters and punctuation only one of the languages uses.
        public void AddMark(Rune rune)
        {
            switch (rune.Value)
            {
                case 'ß': Count(2); break;
                case 'ñ' or '¿' or '¡': Count(3); break;
                case 'ã' or 'õ': Count(4); break;
            }
        }

        private void Count(int language)
        {
            _hits++;
            switch (language)
            {
                case 0: _en++; break;
                case 1: _fr++; break;
                case 2: _de++; break;
                case 3: _es++; break;
                case 4: _pt++; break;
                case 5: _it++; break;
                default: _nl++; break;
            }
        }

        public readonly DetectedLanguage Decide(double share, bool mostlyAccented)
        {
            ReadOnlySpan<int> counts = [_en, _fr, _de, _es, _pt, _it, _nl];
            int best = 0, second = 0, winner = 0;
            for (var i = 0; i < counts.Length; i++)
            {
                if (counts[i] > best) (second, best, winner) = (best, counts[i], i);
                else if (counts[i] > second) second = counts[i];
            }
            // No function word found: plain ASCII letters are most likely English; accented text without any known
            // word is some other Latin-script language this detector cannot name.
            if (best == 0) return mostlyAccented ? DetectedLanguage.Unknown : new("en", share * 0.5);
            return new(Codes[winner], share * (0.5 + 0.5 * (best - second) / (best + 1.0)));
        }

        private static FrozenDictionary<string, int> BuildWords(params string[] perLanguage)
        {
            var words = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var language = 0; language < perLanguage.Length; language++)
                foreach (var w in perLanguage[language].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    words.TryAdd(w, language);
            return words.ToFrozenDictionary(StringComparer.Ordinal);
        }
    }
}
