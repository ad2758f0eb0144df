namespace Takase.Routing.Learned.NGram;

/// <summary>Hyper-parameters of the n-gram router; saved in its file.</summary>
public sealed record NGramOptions
{
    /// <summary>Hash buckets for n-gram weights (collisions share a weight; 2^18 keeps them rare for prompts).</summary>
    public int Buckets { get; init; } = 1 << 18;
    /// <summary>Shortest n-gram, in code points.</summary>
    public int MinN { get; init; } = 1;
    /// <summary>Longest n-gram, in code points.</summary>
    public int MaxN { get; init; } = 4;
    /// <summary>L2 penalty on the weights (the objective is the mean log-loss plus L2/2·‖w‖²).</summary>
    public double L2 { get; init; } = 1e-3;
    /// <summary>Most L-BFGS iterations.</summary>
    public int MaxIterations { get; init; } = 300;
    /// <summary>Whether the prompt statistics (length, numbers, code markers…) join the n-grams.</summary>
    public bool Statistics { get; init; } = true;

    /// <summary>Checks the values; a message names the bad one.</summary>
    /// <exception cref="ArgumentException">a value is out of range.</exception>
    public void Validate()
    {
        if (Buckets < 16) throw new ArgumentException($"n-gram buckets must be at least 16, not {Buckets}");
        if (MinN < 1 || MaxN < MinN || MaxN > 8) throw new ArgumentException($"n-gram lengths must satisfy 1 ≤ min ≤ max ≤ 8, not {MinN}..{MaxN}");
        if (!(L2 >= 0) || !double.IsFinite(L2)) throw new ArgumentException($"the L2 penalty must be a number ≥ 0, not {L2}");
        if (MaxIterations < 1) throw new ArgumentException($"max iterations must be at least 1, not {MaxIterations}");
    }
}
