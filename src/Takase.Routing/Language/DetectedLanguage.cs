namespace Takase.Routing.Language;

/// <summary>
/// A prompt's language as the router sees it: an ISO 639-1 code ("ja", "en") and how sure the detector is (0..1).
/// <see cref="Unknown"/> ("und", 0) when the text has no letters or the script does not tell the language.
/// </summary>
/// <param name="Code">ISO 639-1 code, or "und" when undetermined.</param>
/// <param name="Confidence">0..1: the share of the text in the detected script, lowered when the script is ambiguous.</param>
public readonly record struct DetectedLanguage(string Code, double Confidence)
{
    /// <summary>No language could be told (no letters, or a script without a clear language).</summary>
    public static DetectedLanguage Unknown { get; } = new("und", 0);

    /// <summary>Whether a language was detected at all.</summary>
    public bool IsKnown => Code != "und";

    /// <summary>
    /// Whether this detection is sure enough to act on: the router only excludes targets for language fit, and
    /// only applies language rules, above this confidence.
    /// </summary>
    public bool IsConfident => IsKnown && Confidence >= LanguageDetector.MinConfidence;

    /// <summary>
    /// Whether <paramref name="tag"/> (ISO 639-1, optionally with a region: "pt-BR", "zh_TW") names this language.
    /// </summary>
    public bool Matches(string tag)
    {
        var primary = tag.AsSpan();
        var cut = primary.IndexOfAny('-', '_');
        if (cut >= 0) primary = primary[..cut];
        return primary.Trim().Equals(Code, StringComparison.OrdinalIgnoreCase);
    }

    /// <inheritdoc />
    public override string ToString() => IsKnown ? $"{Code} ({Confidence:0.00})" : "undetermined";
}
