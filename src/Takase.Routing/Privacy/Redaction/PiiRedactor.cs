using System.Text;

namespace Takase.Routing.Privacy.Redaction;

/// <summary>
/// Applies a <see cref="PiiPolicy"/> to a prompt: finds the entities, refuses blocked ones, masks, replaces redacted
/// ones with the conversation's placeholders and flags local-only ones. Run it on every message of a conversation
/// with the same <see cref="PiiPlaceholderMap"/>, so a value keeps its placeholder across turns.
/// </summary>
public sealed class PiiRedactor(PiiAnalyzer analyzer, PiiPolicy policy)
{
    /// <summary>The policy this redactor applies.</summary>
    public PiiPolicy Policy { get; } = policy;

    /// <summary>Redacts <paramref name="text"/>, adding to <paramref name="map"/> (a new map when null).</summary>
    /// <exception cref="PiiBlockedException">the text holds an entity whose action is Block (the message names types only).</exception>
    public RedactionResult Redact(string text, PiiPlaceholderMap? map = null)
    {
        map ??= new PiiPlaceholderMap();
        var spans = analyzer.Analyze(text, Policy.Language);
        var blocked = spans.Select(s => s.Type).Where(t => Policy.ActionFor(t) == PiiAction.Block).Distinct().ToList();
        if (blocked.Count > 0) throw new PiiBlockedException(blocked);

        var output = new StringBuilder(text.Length);
        var entities = new List<RedactedEntity>(spans.Count);
        var requiresLocal = false;
        var at = 0;
        foreach (var span in spans)
        {
            var action = Policy.ActionFor(span.Type);
            output.Append(text, at, span.Start - at);
            var value = span.TextIn(text);
            string? placeholder = null;
            switch (action)
            {
                case PiiAction.Redact:
                    placeholder = map.PlaceholderFor(span.Type, value);
                    output.Append(placeholder);
                    break;
                case PiiAction.Mask:
                    output.Append(Mask(value));
                    break;
                case PiiAction.LocalOnly:
                    requiresLocal = true;
                    output.Append(value);
                    break;
                default:
                    output.Append(value);
                    break;
            }
            entities.Add(new RedactedEntity(span, action, placeholder));
            at = span.End;
        }
        output.Append(text, at, text.Length - at);
        return new RedactionResult(output.ToString(), map, entities, requiresLocal);
    }

    /// <summary>
    /// Every letter and digit (full-width and kanji included) becomes one '*'; separators stay, so the shape of a
    /// card or phone number remains readable (***-****-****) while its content is gone.
    /// </summary>
    public static string Mask(string value)
    {
        var masked = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
            if (Rune.IsLetterOrDigit(rune)) masked.Append('*');
            else masked.Append(rune.ToString());
        return masked.ToString();
    }
}
