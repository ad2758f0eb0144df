namespace Takase.Routing.Norms;

/// <summary>
/// The norms a deployment follows for some callers: system-prompt overlays and input and output rules. Immutable and
/// versioned — version 0 is the configuration's, each admin PUT stores the next — so an explanation can say exactly
/// which norms applied.
/// </summary>
public sealed record NormsProfile
{
    /// <summary>The profile's name.</summary>
    public required string Name { get; init; }
    /// <summary>0 for the configuration's profile; 1, 2, … for versions stored through the admin API.</summary>
    public required int Version { get; init; }
    /// <summary>The overlays, in order.</summary>
    public IReadOnlyList<NormsOverlay> Overlays { get; init; } = [];
    /// <summary>Rules over user messages, first match wins.</summary>
    public IReadOnlyList<NormsRule> Input { get; init; } = [];
    /// <summary>Rules over the answer, first match wins.</summary>
    public IReadOnlyList<NormsRule> Output { get; init; } = [];

    /// <summary>The targets its rules name (classifiers and Route), to check against the router's targets.</summary>
    public IEnumerable<(string Key, string Target)> NamedTargets()
    {
        foreach (var (list, section) in new[] { (Input, "Input"), (Output, "Output") })
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].Match is NormsMatch.Classifier c) yield return ($"{section}:{i}:Classifier:Target", c.Target);
                if (list[i].Action is { Kind: NormsActionKind.Route, Target: { } t }) yield return ($"{section}:{i}:Target", t);
            }
    }

    /// <summary>Checks and compiles <paramref name="definition"/>.</summary>
    /// <exception cref="NormsConfigurationException">a key is missing or wrong; the message names it.</exception>
    public static NormsProfile Compile(string name, int version, NormsProfileDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (string.IsNullOrWhiteSpace(name)) throw new NormsConfigurationException("a norms profile needs a name");
        var key = $"Takase:Norms:Profiles:{name}";
        var overlays = new List<NormsOverlay>();
        for (var i = 0; i < definition.Overlays.Count; i++)
        {
            var o = definition.Overlays[i];
            if (!Enum.TryParse<OverlayPosition>(o.Position, ignoreCase: true, out var position) || int.TryParse(o.Position, out _))
                throw new NormsConfigurationException($"{key}:Overlays:{i}:Position must be Prepend, Append or Replace, not '{o.Position}'");
            if (string.IsNullOrWhiteSpace(o.Text) && position != OverlayPosition.Replace)
                throw new NormsConfigurationException($"{key}:Overlays:{i}:Text is empty: an overlay needs the text to add");
            overlays.Add(new NormsOverlay(position, o.Text ?? ""));
        }
        var output = definition.Output.Select((r, i) => NormsRule.Compile(r, $"{key}:Output:{i}")).ToList();
        // The answer exists by the time output rules look at it: it can be let through, rewritten or refused.
        if (output.FindIndex(r => r.Action.Kind is NormsActionKind.Escalate or NormsActionKind.Route) is var late and >= 0)
            throw new NormsConfigurationException($"{key}:Output:{late}:Action {output[late].Action.Kind} is for input rules; an output rule can Allow, Rewrite or Refuse");
        return new NormsProfile
        {
            Name = name,
            Version = version,
            Overlays = overlays,
            Input = [.. definition.Input.Select((r, i) => NormsRule.Compile(r, $"{key}:Input:{i}"))],
            Output = output,
        };
    }
}

/// <summary>A system-prompt overlay.</summary>
/// <param name="Position">Before, after or instead of the model's SYSTEM text.</param>
/// <param name="Text">The text.</param>
public sealed record NormsOverlay(OverlayPosition Position, string Text);

/// <summary>What a rule does when it matches.</summary>
/// <param name="Kind">The action.</param>
/// <param name="Replacement">For Rewrite.</param>
/// <param name="Message">For Refuse.</param>
/// <param name="Target">For Route.</param>
public sealed record NormsAction(NormsActionKind Kind, string? Replacement = null, string? Message = null, string? Target = null);
