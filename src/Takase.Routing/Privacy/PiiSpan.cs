namespace Takase.Routing.Privacy;

/// <summary>
/// One detected entity: where it is in the original text (UTF-16 indices, end exclusive), how sure the recognizer is
/// (0..1) and which recognizer found it. It never holds the value itself, so logging a span cannot leak it; use
/// <see cref="TextIn"/> on the text that was analyzed.
/// </summary>
/// <param name="Type">What kind of personal data.</param>
/// <param name="Start">First UTF-16 index in the original text.</param>
/// <param name="End">One past the last UTF-16 index in the original text.</param>
/// <param name="Score">Confidence 0..1 after context words were taken into account.</param>
/// <param name="Recognizer">The recognizer that found it, for explanations ("phone/jp-mobile").</param>
public readonly record struct PiiSpan(PiiEntityType Type, int Start, int End, double Score, string Recognizer)
{
    /// <summary>Length in UTF-16 code units.</summary>
    public int Length => End - Start;

    /// <summary>The detected value, cut from the text that was analyzed.</summary>
    public string TextIn(string text) => text[Start..End];

    /// <summary>Whether the two spans share at least one character.</summary>
    public bool Overlaps(PiiSpan other) => Start < other.End && other.Start < End;
}
