namespace Takase.Routing.Norms;

/// <summary>
/// What a profile's rules decided about a text: the rule that matched (null: none did), its action, and the text as it
/// goes on (rewritten by a Rewrite rule, else unchanged).
/// </summary>
/// <param name="Rule">The matching rule's name, or null.</param>
/// <param name="Action">What to do; Allow when no rule matched.</param>
/// <param name="Text">The text after the rule (a Rewrite's result).</param>
public sealed record NormsVerdict(string? Rule, NormsAction Action, string Text)
{
    /// <summary>No rule matched.</summary>
    public static NormsVerdict Pass(string text) => new(null, new NormsAction(NormsActionKind.Allow), text);

    /// <summary>Whether the verdict stops the normal answer (Refuse, Escalate or Route).</summary>
    public bool Diverts => Action.Kind is NormsActionKind.Refuse or NormsActionKind.Escalate or NormsActionKind.Route;
}
