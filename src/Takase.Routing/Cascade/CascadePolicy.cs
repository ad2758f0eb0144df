using Takase.Routing.Profiles;

namespace Takase.Routing.Cascade;

/// <summary>
/// When a cascade gives up on the cheaper target's answer and escalates to the next tier: its mean token
/// log-probability is below <see cref="CascadeOptions.MinMeanLogprob"/> (the model was unsure), or a verifier said no.
/// The server runs the cascade; this decides.
/// </summary>
public static class CascadePolicy
{
    /// <summary>
    /// Whether an answer whose tokens had mean log-probability <paramref name="meanLogprob"/> should be escalated.
    /// NaN (the target gave no log-probabilities) escalates only when no verifier is configured to judge instead.
    /// </summary>
    public static bool ShouldEscalate(double meanLogprob, CascadeOptions options)
    {
        if (double.IsNaN(meanLogprob)) return options.Verifier is null;
        return meanLogprob < options.MinMeanLogprob;
    }

    /// <summary>Whether a verifier's verdict means escalating: anything but a clear "yes" does.</summary>
    public static bool ShouldEscalate(VerifierVerdict verdict) => verdict != VerifierVerdict.Adequate;

    /// <summary>The mean of the answer's token log-probabilities; NaN for an answer without any.</summary>
    public static double MeanLogprob(IEnumerable<double> tokenLogprobs)
    {
        double sum = 0;
        var count = 0;
        foreach (var lp in tokenLogprobs)
        {
            sum += lp;
            count++;
        }
        return count == 0 ? double.NaN : sum / count;
    }
}
