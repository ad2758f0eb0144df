namespace Takase.Routing.Privacy.Redaction;

/// <summary>
/// A prompt after the policy was applied: the text to send (placeholders and masks in place), the map that restores
/// the answer, what was found, and whether only local targets may see it. <see cref="ToString"/> never shows
/// original values.
/// </summary>
/// <param name="Text">The text with redacted and masked entities replaced (local-only and allowed ones kept).</param>
/// <param name="Map">The conversation's placeholders; give it to a <see cref="PiiRestorer"/> for the answer.</param>
/// <param name="Entities">Every entity found, in the ORIGINAL text's indices, with the action applied to it.</param>
/// <param name="RequiresLocal">True when a local-only entity is in the text: the router must exclude non-local targets.</param>
public sealed record RedactionResult(string Text, PiiPlaceholderMap Map, IReadOnlyList<RedactedEntity> Entities, bool RequiresLocal)
{
    /// <summary>The most public target class the request may go to: Local when <see cref="RequiresLocal"/>, else any.</summary>
    public Targets.PrivacyClass MaxPrivacy => RequiresLocal ? Targets.PrivacyClass.Local : Targets.PrivacyClass.External;

    /// <inheritdoc />
    public override string ToString() =>
        $"RedactionResult({Entities.Count} entities: {string.Join(", ", Entities.Select(e => $"{e.Span.Type.WireName()}→{e.Action}"))}; local only: {RequiresLocal})";
}

/// <summary>One entity of a redacted text and what was done with it.</summary>
/// <param name="Span">Where it was in the original text (no value).</param>
/// <param name="Action">The action the policy applied.</param>
/// <param name="Placeholder">The placeholder that replaced it, for <see cref="PiiAction.Redact"/>.</param>
public sealed record RedactedEntity(PiiSpan Span, PiiAction Action, string? Placeholder);
