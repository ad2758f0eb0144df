namespace Takase.Routing.Privacy;

/// <summary>
/// Which language's person-name heuristics run (English capitalised words and titles, or Japanese dictionary names
/// and honorifics). Every other recognizer matches only its own script or format and runs for both.
/// </summary>
public enum PiiLanguage
{
    /// <summary>Japanese when the text has kana or kanji, English otherwise.</summary>
    Auto,
    /// <summary>English.</summary>
    English,
    /// <summary>Japanese.</summary>
    Japanese,
}

/// <summary>Parsing and script-based detection of <see cref="PiiLanguage"/>.</summary>
public static class PiiLanguages
{
    /// <summary>Japanese when <paramref name="text"/> holds any kana or CJK ideograph, else English.</summary>
    public static PiiLanguage Detect(string text)
    {
        foreach (var c in text)
            if (IsJapaneseScript(c)) return PiiLanguage.Japanese;
        return PiiLanguage.English;
    }

    /// <summary>Hiragana, katakana (full- and half-width) or a CJK unified ideograph.</summary>
    public static bool IsJapaneseScript(char c) =>
        c is >= '\u3040' and <= '\u30FF' or >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF' or >= '\uFF66' and <= '\uFF9F';

    /// <summary>Parses "ja", "en" or "auto" (as the CLI and configuration spell them).</summary>
    /// <exception cref="ArgumentException">any other value; the message lists the accepted ones.</exception>
    public static PiiLanguage Parse(string value) => value.Trim().ToLowerInvariant() switch
    {
        "ja" or "japanese" => PiiLanguage.Japanese,
        "en" or "english" => PiiLanguage.English,
        "auto" or "" => PiiLanguage.Auto,
        _ => throw new ArgumentException($"unknown PII language '{value}': use ja, en or auto"),
    };
}
