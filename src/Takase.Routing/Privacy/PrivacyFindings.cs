using Takase.Routing.Targets;

namespace Takase.Routing.Privacy;

/// <summary>
/// What a profile's privacy policy found in one request and did about it: entity types with their counts and actions —
/// never a value, so findings can go into explanations, route logs and server logs as they are.
/// </summary>
public sealed record PrivacyFindings
{
    /// <summary>Findings of a request with no personal data.</summary>
    public static PrivacyFindings None { get; } = new();

    /// <summary>Each entity type found, once, with how often and the action taken, in the order of <see cref="PiiEntityType"/>.</summary>
    public IReadOnlyList<PiiFinding> Entities { get; init; } = [];

    /// <summary>Whether local targets got the redacted text too (the policy's <see cref="PiiPolicy.RedactLocal"/>).</summary>
    public bool RedactLocal { get; init; }

    /// <summary>True when a local-only entity was found: only targets of the Local privacy class may take the request.</summary>
    public bool RequiresLocal => Entities.Any(e => e.Action == PiiAction.LocalOnly);

    /// <summary>The local-only entity types found (what the router names when it excludes a target).</summary>
    public IReadOnlyList<PiiEntityType> LocalOnlyTypes => [.. Entities.Where(e => e.Action == PiiAction.LocalOnly).Select(e => e.Type)];

    /// <summary>The most public target class the request may go to: Local when <see cref="RequiresLocal"/>, else any.</summary>
    public PrivacyClass MaxPrivacy => RequiresLocal ? PrivacyClass.Local : PrivacyClass.External;

    /// <summary>How many entities were replaced by a placeholder (and are restored in the answer).</summary>
    public int Redacted => Entities.Where(e => e.Action == PiiAction.Redact).Sum(e => e.Count);

    /// <inheritdoc />
    public override string ToString() => Entities.Count == 0
        ? "no personal data"
        : string.Join(", ", Entities.Select(e => $"{e.Type.WireName()}×{e.Count} {e.Action.WireName()}"));
}

/// <summary>One entity type of a request: how many times it occurred and what the policy did with it.</summary>
/// <param name="Type">The entity type.</param>
/// <param name="Count">Occurrences over all messages and tool-call arguments.</param>
/// <param name="Action">The policy's action for the type.</param>
public sealed record PiiFinding(PiiEntityType Type, int Count, PiiAction Action);

/// <summary>The names of <see cref="PiiAction"/> in explanations and on the wire (allow, mask, redact, block, local_only).</summary>
public static class PiiActionNames
{
    /// <summary>"allow", "mask", "redact", "block" or "local_only".</summary>
    public static string WireName(this PiiAction action) => action switch
    {
        PiiAction.Allow => "allow",
        PiiAction.Mask => "mask",
        PiiAction.Redact => "redact",
        PiiAction.Block => "block",
        _ => "local_only",
    };
}
