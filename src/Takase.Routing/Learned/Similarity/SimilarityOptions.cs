namespace Takase.Routing.Learned.Similarity;

/// <summary>Hyper-parameters of the similarity router; saved in its file.</summary>
public sealed record SimilarityOptions
{
    /// <summary>How many nearest labelled prompts vote.</summary>
    public int Neighbours { get; init; } = 20;
    /// <summary>
    /// Weight of a pseudo-neighbour at the training base rate, so a handful of look-alike prompts cannot push the score
    /// to 0 or 1 on their own.
    /// </summary>
    public double PriorWeight { get; init; } = 1.0;

    /// <summary>Checks the values; a message names the bad one.</summary>
    public void Validate()
    {
        if (Neighbours < 1) throw new ArgumentException($"the neighbour count must be at least 1, not {Neighbours}");
        if (!(PriorWeight >= 0)) throw new ArgumentException($"the prior weight must be ≥ 0, not {PriorWeight}");
    }
}
