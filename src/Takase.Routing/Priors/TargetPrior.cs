namespace Takase.Routing.Priors;

/// <summary>
/// What one evaluation run says about one router target on one dataset: its overall quality and, per category, the
/// quality with a centroid of the category's questions so a request can be matched to the nearest category.
/// </summary>
public sealed record TargetPrior
{
    /// <summary>The router target the evaluated model stands for.</summary>
    public required string Target { get; init; }
    /// <summary>The dataset's name ("gsm8k-sample").</summary>
    public required string Dataset { get; init; }
    /// <summary>When the evaluation ran.</summary>
    public required DateTimeOffset EvaluatedAt { get; init; }
    /// <summary>Accuracy over the whole dataset (0..1).</summary>
    public required double Quality { get; init; }
    /// <summary>Items evaluated.</summary>
    public required int N { get; init; }
    /// <summary>Per-category accuracy, when the dataset has categories.</summary>
    public IReadOnlyList<CategoryPrior> Categories { get; init; } = [];
}

/// <summary>The accuracy of a target on one category of a dataset.</summary>
/// <param name="Category">The dataset's category name ("math", "commonsense").</param>
/// <param name="Quality">Accuracy on the category's items (0..1).</param>
/// <param name="N">Items in the category.</param>
/// <param name="Centroid">Mean hashed n-gram vector of the category's questions (<see cref="CategoryCentroids"/>), or null.</param>
public sealed record CategoryPrior(string Category, double Quality, int N, float[]? Centroid = null);

/// <summary>What the priors say of one target for one request.</summary>
/// <param name="Target">The target.</param>
/// <param name="Category">The category used, or "overall" when the request matched none the target was evaluated on.</param>
/// <param name="Quality">The prior quality (0..1).</param>
/// <param name="Dataset">The dataset it comes from.</param>
/// <param name="EvaluatedAt">When that evaluation ran.</param>
/// <param name="N">Items behind the number.</param>
public sealed record PriorEstimate(string Target, string Category, double Quality, string Dataset, DateTimeOffset EvaluatedAt, int N)
{
    /// <summary>"math ≈ 0.82 (eval gsm8k-sample, 2026-11-23, n=50) for local-7b": the number and where it comes from.</summary>
    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Category} ≈ {Quality:0.00} (eval {Dataset}, {EvaluatedAt.UtcDateTime:yyyy-MM-dd}, n={N}) for {Target}");
}
