using Takase.Routing.Decisions;

namespace Takase.Routing.Learned;

/// <summary>
/// A trained scorer: how much a prompt needs the stronger model (RouteLLM's "strong win rate"), 0..1, with the inputs
/// that moved the score. Strategies (n-gram, matrix factorisation, similarity) implement it; the router compares the
/// score with the profile's thresholds.
/// </summary>
public interface IRoutingModel
{
    /// <summary>The strategy's name, as in explanations ("ngram", "mf", "similarity").</summary>
    string Kind { get; }

    /// <summary>Scores one prompt.</summary>
    RoutingScore Score(string prompt);

    /// <summary>
    /// Calibration, as RouteLLM's calibrate_threshold: the threshold at which the given share (0..1) of the model's
    /// calibration prompts score above it, i.e. go to the stronger tier.
    /// </summary>
    double ThresholdForStrongShare(double share);
}

/// <summary>A learned score and its explanation.</summary>
/// <param name="StrongNeed">0..1: the predicted probability that the stronger model answers better.</param>
/// <param name="Contributions">The inputs that moved the score most, strongest first.</param>
public sealed record RoutingScore(double StrongNeed, IReadOnlyList<Contribution> Contributions);
