namespace Takase.Routing.Privacy;

/// <summary>
/// A profile's privacy policy: an action per entity type, a default for the others, the language to analyze in, and
/// the score a match needs. Configured under <c>Takase:Router:Profiles:&lt;name&gt;:Privacy</c>, for example
/// <c>"Actions": { "MyNumber": "Block", "CreditCard": "Mask", "Person": "LocalOnly" }</c>.
/// </summary>
public sealed record PiiPolicy
{
    /// <summary>What happens to entity types not listed in <see cref="Actions"/>.</summary>
    public PiiAction DefaultAction { get; init; } = PiiAction.Redact;

    /// <summary>Per-type actions that override <see cref="DefaultAction"/>.</summary>
    public IReadOnlyDictionary<PiiEntityType, PiiAction> Actions { get; init; } = new Dictionary<PiiEntityType, PiiAction>();

    /// <summary>The language the prompt is analyzed in (Auto: by script).</summary>
    public PiiLanguage Language { get; init; } = PiiLanguage.Auto;

    /// <summary>The action for <paramref name="type"/>.</summary>
    public PiiAction ActionFor(PiiEntityType type) => Actions.TryGetValue(type, out var action) ? action : DefaultAction;
}
