using System.Collections.Frozen;

namespace Takase.Routing.Priors;

/// <summary>
/// The router's priors: per target, what its newest evaluation on each dataset says, overall and per category. An
/// immutable snapshot the server builds from the store (at start and after each stored run) and swaps in whole, so
/// <see cref="Router.Decide"/> reads it without I/O or locks.
/// </summary>
/// <remarks>
/// A request is categorised by its nearest category centroid (cosine over hashed n-grams) at or above
/// <see cref="SimilarityFloor"/>; a target's prior for that category comes from its newest run that has the category,
/// otherwise it is the overall accuracy of its newest run.
/// </remarks>
public sealed class RoutingPriors
{
    /// <summary>The least cosine similarity at which a request counts as being of a category.</summary>
    public const double DefaultSimilarityFloor = 0.15;

    private readonly FrozenDictionary<string, TargetPrior[]> _byTarget;
    private readonly (string Category, float[] Centroid)[] _centroids;

    /// <summary>Builds the snapshot.</summary>
    /// <param name="priors">One entry per (target, dataset), normally each the newest run; older duplicates are ignored.</param>
    /// <param name="similarityFloor">See <see cref="DefaultSimilarityFloor"/>.</param>
    public RoutingPriors(IEnumerable<TargetPrior> priors, double similarityFloor = DefaultSimilarityFloor)
    {
        var newest = priors
            .GroupBy(p => (Target: p.Target.ToLowerInvariant(), Dataset: p.Dataset))
            .Select(g => g.MaxBy(p => p.EvaluatedAt)!)
            .ToList();
        _byTarget = newest
            .GroupBy(p => p.Target, StringComparer.OrdinalIgnoreCase)
            .ToFrozenDictionary(g => g.Key, g => g.OrderByDescending(p => p.EvaluatedAt).ToArray(), StringComparer.OrdinalIgnoreCase);
        _centroids = newest
            .SelectMany(p => p.Categories)
            .Where(c => c.Centroid is { Length: > 0 })
            .Select(c => (c.Category, c.Centroid!))
            .ToArray();
        SimilarityFloor = similarityFloor;
    }

    /// <summary>No priors at all.</summary>
    public static RoutingPriors Empty { get; } = new([]);

    /// <summary>See <see cref="DefaultSimilarityFloor"/>.</summary>
    public double SimilarityFloor { get; }

    /// <summary>The targets that have priors.</summary>
    public IEnumerable<string> Targets => _byTarget.Keys;

    /// <summary>The request's category: the nearest centroid at or above the floor, or null (with the best similarity seen).</summary>
    public (string? Category, double Similarity) Categorize(string text)
    {
        string? best = null;
        var bestSimilarity = 0.0;
        var vectors = new Dictionary<int, float[]>();
        foreach (var (category, centroid) in _centroids)
        {
            if (!vectors.TryGetValue(centroid.Length, out var v))
                vectors[centroid.Length] = v = CategoryCentroids.Embed(text, centroid.Length);
            var similarity = CategoryCentroids.Cosine(v, centroid);
            if (similarity > bestSimilarity) (best, bestSimilarity) = (category, similarity);
        }
        return bestSimilarity >= SimilarityFloor ? (best, bestSimilarity) : (null, bestSimilarity);
    }

    /// <summary>The prior of <paramref name="target"/> for <paramref name="category"/> (null: overall), or null when the target was never evaluated.</summary>
    public PriorEstimate? Estimate(string target, string? category)
    {
        if (!_byTarget.TryGetValue(target, out var runs)) return null;
        if (category is not null)
            foreach (var run in runs) // newest first
                if (run.Categories.FirstOrDefault(c => string.Equals(c.Category, category, StringComparison.OrdinalIgnoreCase)) is { } c)
                    return new PriorEstimate(target, c.Category, c.Quality, run.Dataset, run.EvaluatedAt, c.N);
        var newest = runs[0];
        return new PriorEstimate(target, "overall", newest.Quality, newest.Dataset, newest.EvaluatedAt, newest.N);
    }
}
