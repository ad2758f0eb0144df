namespace Takase.Routing.Privacy.Recognizers;

/// <summary>
/// Finds one kind of personal data in a <see cref="NormalizedText"/>, as Presidio's recognizers do: candidates from
/// patterns or dictionaries, a checksum where the format has one, a base score, and context words near the match
/// that raise it (<see cref="ContextWords"/>) or lower it (<see cref="NegativeContextWords"/>: "order number",
/// "version" …). Spans are returned in indices of <see cref="NormalizedText.Text"/>; the analyzer maps them back.
/// </summary>
public abstract class PiiRecognizer
{
    /// <summary>Presidio's context factor: a supporting word nearby adds this much to the score.</summary>
    public const double ContextBoost = 0.35;

    /// <summary>Presidio's floor: a match with a supporting word nearby scores at least this much.</summary>
    public const double ContextFloor = 0.4;

    /// <summary>
    /// What a contradicting word nearby ("order number", "version", "JAN") takes off. Larger than the boost, so that
    /// a checksum-valid number (0.8) next to one falls below the threshold; both together leave it above.
    /// </summary>
    public const double NegativeContextPenalty = 0.5;

    /// <summary>A short name for explanations ("email", "phone").</summary>
    public abstract string Name { get; }

    /// <summary>Whether this recognizer runs for <paramref name="language"/> (English or Japanese, never Auto).</summary>
    public virtual bool Supports(PiiLanguage language) => true;

    /// <summary>Words that make a match more likely to be this entity (lower case; matched in the window around it).</summary>
    protected virtual IReadOnlyList<string> ContextWords => [];

    /// <summary>Words that make a match less likely (an order number, a version string).</summary>
    protected virtual IReadOnlyList<string> NegativeContextWords => [];

    /// <summary>How many characters before a match are searched for context words.</summary>
    protected virtual int ContextBefore => 32;

    /// <summary>How many characters after a match are searched for context words.</summary>
    protected virtual int ContextAfter => 12;

    /// <summary>Every candidate in <paramref name="text"/>, spans in normalized indices, scores with context applied.</summary>
    public abstract IEnumerable<PiiSpan> Recognize(NormalizedText text);

    /// <summary>
    /// <paramref name="score"/> after context: +<see cref="ContextBoost"/> (at least <see cref="ContextFloor"/>) when a
    /// context word is near the match, −<see cref="NegativeContextPenalty"/> when a negative one is.
    /// </summary>
    protected double WithContext(NormalizedText text, int start, int end, double score)
    {
        if (PiiContext.Near(text, start, end, ContextWords, ContextBefore, ContextAfter))
            score = Math.Max(ContextFloor, Math.Min(1.0, score + ContextBoost));
        if (PiiContext.Near(text, start, end, NegativeContextWords, ContextBefore, ContextAfter))
            score = Math.Max(0.0, score - NegativeContextPenalty);
        return score;
    }

    /// <summary>A span of this recognizer, its score with context applied.</summary>
    protected PiiSpan Span(NormalizedText text, PiiEntityType type, int start, int end, double score, string? variant = null) =>
        new(type, start, end, WithContext(text, start, end, score), variant is null ? Name : $"{Name}/{variant}");
}
