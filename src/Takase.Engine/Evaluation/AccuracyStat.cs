namespace Takase.Engine.Evaluation;

/// <summary>
/// Correct answers out of a total, with a 95 % Wilson score interval: unlike the normal approximation it stays
/// inside [0, 1] and is honest for the small item counts of a quick local evaluation.
/// </summary>
public readonly record struct AccuracyStat(int Correct, int Total)
{
    /// <summary>z for a two-sided 95 % interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>Correct / Total (0 when there are no items).</summary>
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    /// <summary>Lower bound of the 95 % Wilson interval.</summary>
    public double Low => Wilson().Low;

    /// <summary>Upper bound of the 95 % Wilson interval.</summary>
    public double High => Wilson().High;

    /// <summary>The Wilson score interval for confidence level <paramref name="z"/> (default 95 %).</summary>
    public (double Low, double High) Wilson(double z = Z95)
    {
        if (Total == 0) return (0, 1);
        double n = Total, p = Accuracy, z2 = z * z;
        var centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        var half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>This tally with one more answer.</summary>
    public AccuracyStat Add(bool correct) => new(Correct + (correct ? 1 : 0), Total + 1);
}
