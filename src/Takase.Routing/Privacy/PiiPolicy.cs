namespace Takase.Routing.Privacy;

/// <summary>
/// A privacy policy: an action per entity type, a default for the others, and the language to analyze in. A router
/// profile configures one under <c>Takase:Router:Profiles:&lt;name&gt;:Privacy</c> (see
/// <see cref="Profiles.ProfilePrivacy"/>), for example <c>"Entities": { "MY_NUMBER": "Block", "CREDIT_CARD": "LocalOnly" }</c>.
/// </summary>
public sealed record PiiPolicy
{
    /// <summary>What happens to entity types not listed in <see cref="Actions"/>.</summary>
    public PiiAction DefaultAction { get; init; } = PiiAction.Redact;

    /// <summary>Per-type actions that override <see cref="DefaultAction"/>.</summary>
    public IReadOnlyDictionary<PiiEntityType, PiiAction> Actions { get; init; } = new Dictionary<PiiEntityType, PiiAction>();

    /// <summary>The language the prompt is analyzed in (Auto: by script).</summary>
    public PiiLanguage Language { get; init; } = PiiLanguage.Auto;

    /// <summary>
    /// Whether local targets get the redacted and masked text too. By default redaction protects only what leaves the
    /// machine: local models see the original, so they can answer with it.
    /// </summary>
    public bool RedactLocal { get; init; }

    /// <summary>The action for <paramref name="type"/>.</summary>
    public PiiAction ActionFor(PiiEntityType type) => Actions.TryGetValue(type, out var action) ? action : DefaultAction;
}
