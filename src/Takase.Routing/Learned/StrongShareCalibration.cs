namespace Takase.Routing.Learned;

/// <summary>
/// RouteLLM's calibrate_threshold: the threshold is the (1 − share) quantile of the scores of a sample of prompts, so
/// that about <c>share</c> of them score at or above it and go to the strong model.
/// </summary>
public static class StrongShareCalibration
{
    /// <summary>
    /// The (1 − <paramref name="share"/>) quantile of <paramref name="sortedScores"/> (ascending), interpolated linearly
    /// between order statistics as pandas' <c>quantile</c> does. Share 0 gives a threshold above every score.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">share outside 0..1.</exception>
    /// <exception cref="InvalidOperationException">no calibration scores.</exception>
    public static double Threshold(IReadOnlyList<double> sortedScores, double share)
    {
        if (!(share is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(share), share, "the strong share must be between 0 and 1");
        if (sortedScores.Count == 0) throw new InvalidOperationException("the router has no calibration scores; train it again or give a threshold");
        if (share == 0) return Math.BitIncrement(sortedScores[^1]);
        var position = (1 - share) * (sortedScores.Count - 1);
        var lo = (int)Math.Floor(position);
        var hi = Math.Min(lo + 1, sortedScores.Count - 1);
        return sortedScores[lo] + (sortedScores[hi] - sortedScores[lo]) * (position - lo);
    }
}
