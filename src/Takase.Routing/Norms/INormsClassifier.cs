namespace Takase.Routing.Norms;

/// <summary>Asks a target (a local model or a remote one) which label fits a text, for classifier rules.</summary>
public interface INormsClassifier
{
    /// <summary>The label <paramref name="target"/> gives <paramref name="text"/>, one of <paramref name="labels"/> or anything else it answered.</summary>
    Task<string> LabelAsync(string target, string text, IReadOnlyList<string> labels, CancellationToken cancel);
}
