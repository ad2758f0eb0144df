namespace Takase.Routing.Norms;

/// <summary>Where an overlay's text goes relative to the model's SYSTEM message.</summary>
public enum OverlayPosition
{
    /// <summary>Before the system text (a system message is added when there is none).</summary>
    Prepend,
    /// <summary>After the system text.</summary>
    Append,
    /// <summary>Instead of the system text.</summary>
    Replace,
}

/// <summary>What a matching rule does.</summary>
public enum NormsActionKind
{
    /// <summary>Let the text through as it is (and stop looking at later rules).</summary>
    Allow,
    /// <summary>Replace what matched (a classifier match: the whole text) with the rule's Replacement.</summary>
    Rewrite,
    /// <summary>Answer with the rule's Message instead of the model's answer.</summary>
    Refuse,
    /// <summary>Hand the request to a person: a ticket on the operator desk.</summary>
    Escalate,
    /// <summary>Send the request to the rule's Target instead of the one asked for.</summary>
    Route,
}

/// <summary>
/// A norms profile as written in configuration (<c>Takase:Norms:Profiles:&lt;name&gt;</c>) or sent to
/// PUT /api/admin/norms/{name}: the same shape in both, so an operator can move one into the other.
/// <see cref="NormsProfile.Compile"/> checks it and names the key of any problem.
/// </summary>
public sealed class NormsProfileDefinition
{
    /// <summary>System-prompt overlays, applied in order.</summary>
    public List<NormsOverlayDefinition> Overlays { get; set; } = [];
    /// <summary>Rules over every user message, first match wins.</summary>
    public List<NormsRuleDefinition> Input { get; set; } = [];
    /// <summary>Rules over the answer, first match wins.</summary>
    public List<NormsRuleDefinition> Output { get; set; } = [];
}

/// <summary>One overlay: where and what.</summary>
public sealed class NormsOverlayDefinition
{
    /// <summary>Prepend, Append or Replace.</summary>
    public string? Position { get; set; }
    /// <summary>The text.</summary>
    public string? Text { get; set; }
}

/// <summary>
/// One rule: a name, exactly one match (Keywords, Regex or Classifier) and an action with what it needs
/// (Rewrite → Replacement, Refuse → Message, Route → Target).
/// </summary>
public sealed class NormsRuleDefinition
{
    /// <summary>The rule's name, shown in explanations.</summary>
    public string? Name { get; set; }
    /// <summary>Words or phrases matched case-insensitively on word boundaries.</summary>
    public List<string>? Keywords { get; set; }
    /// <summary>A .NET regular expression (matched case-insensitively, with a time limit).</summary>
    public string? Regex { get; set; }
    /// <summary>A target asked to label the text; the rule matches when its label is one of Labels.</summary>
    public NormsClassifierDefinition? Classifier { get; set; }
    /// <summary>Allow, Rewrite, Refuse, Escalate or Route.</summary>
    public string? Action { get; set; }
    /// <summary>For Rewrite: the text put in place of what matched.</summary>
    public string? Replacement { get; set; }
    /// <summary>For Refuse: the assistant's answer.</summary>
    public string? Message { get; set; }
    /// <summary>For Route: the target to send the request to.</summary>
    public string? Target { get; set; }
}

/// <summary>A classifier match: which target labels the text, and which labels match.</summary>
public sealed class NormsClassifierDefinition
{
    /// <summary>The router target (local or remote) asked for the label.</summary>
    public string? Target { get; set; }
    /// <summary>The labels that make the rule match (compared case-insensitively).</summary>
    public List<string> Labels { get; set; } = [];
}
