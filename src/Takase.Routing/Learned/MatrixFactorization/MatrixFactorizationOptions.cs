namespace Takase.Routing.Learned.MatrixFactorization;

/// <summary>Hyper-parameters of the matrix-factorisation router; saved in its file.</summary>
public sealed record MatrixFactorizationOptions
{
    /// <summary>Latent dimension of the model vectors and the projected prompt (RouteLLM: 128 for 1536-dim embeddings).</summary>
    public int Dimension { get; init; } = 16;
    /// <summary>Passes over the training prompts.</summary>
    public int Epochs { get; init; } = 60;
    /// <summary>Prompts per Adam step.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Adam's step size.</summary>
    public double LearningRate { get; init; } = 1e-2;
    /// <summary>L2 penalty on every weight (decoupled weight decay per step, scaled by the learning rate).</summary>
    public double L2 { get; init; } = 1e-4;
    /// <summary>Seed of the initial weights and of the per-epoch shuffles.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Checks the values; a message names the bad one.</summary>
    public void Validate()
    {
        if (Dimension < 1) throw new ArgumentException($"the latent dimension must be at least 1, not {Dimension}");
        if (Epochs < 1) throw new ArgumentException($"epochs must be at least 1, not {Epochs}");
        if (BatchSize < 1) throw new ArgumentException($"the batch size must be at least 1, not {BatchSize}");
        if (!(LearningRate > 0)) throw new ArgumentException($"the learning rate must be above 0, not {LearningRate}");
        if (!(L2 >= 0)) throw new ArgumentException($"the L2 penalty must be ≥ 0, not {L2}");
    }
}
