using Takase.Routing.Learned.Embeddings;

namespace Takase.Routing.Priors;

/// <summary>
/// The centroids that let a request find its category: the mean of the hashed character n-gram vectors
/// (<see cref="HashedNgramEmbeddings"/>) of a category's questions, unit length. Small (a few hundred floats), so each
/// stored evaluation keeps one per category, and deterministic, so a request is categorised the same way on every node.
/// </summary>
public static class CategoryCentroids
{
    /// <summary>The vector length used for new centroids.</summary>
    public const int Dimension = 256;

    private static readonly HashedNgramEmbeddings Embedder = new(Dimension);

    /// <summary>The unit-length mean vector of <paramref name="texts"/>; null when there are none.</summary>
    public static float[]? Of(IEnumerable<string> texts)
    {
        var sum = new float[Dimension];
        var any = false;
        foreach (var text in texts)
        {
            var v = Embedder.Embed(text);
            for (var i = 0; i < sum.Length; i++) sum[i] += v[i];
            any = true;
        }
        return any ? EmbeddingSources.Normalize(sum) : null;
    }

    /// <summary>The request's vector in the space of centroids of length <paramref name="dimension"/>.</summary>
    internal static float[] Embed(string text, int dimension) =>
        dimension == Dimension ? Embedder.Embed(text) : new HashedNgramEmbeddings(dimension).Embed(text);

    /// <summary>Cosine similarity of two vectors of the same length (0 when either is zero).</summary>
    internal static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }
}
