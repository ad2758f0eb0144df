using Takase.Routing.Learned.NGram;

namespace Takase.Routing.Learned.Embeddings;

/// <summary>
/// Embeddings without a model: the prompt's distinct character 2..4-grams (after the n-gram router's normalisation)
/// hashed into a fixed number of dimensions with a hashed sign, then L2-normalised. Deterministic and instant, so the
/// embedding routers train and run in CI; prompts that share wording land close together, which is all similarity
/// needs — a real embedding model also knows synonyms.
/// </summary>
public sealed class HashedNgramEmbeddings : IEmbeddingSource
{
    /// <summary>The default vector length.</summary>
    public const int DefaultDimension = 512;
    private const int MinN = 2, MaxN = 4;

    /// <summary>Creates a source of <paramref name="dimension"/>-long vectors.</summary>
    public HashedNgramEmbeddings(int dimension = DefaultDimension)
    {
        if (dimension < 8) throw new ArgumentException($"hashed embeddings need at least 8 dimensions, not {dimension}");
        Dimension = dimension;
    }

    /// <summary>The vector length.</summary>
    public int Dimension { get; }

    /// <inheritdoc />
    public EmbeddingSourceSpec Spec => new() { Kind = "hashed", Dimension = Dimension };

    /// <inheritdoc />
    public float[] Embed(string text)
    {
        var v = new float[Dimension];
        foreach (var g in NGramFeatures.Distinct(NormalizedText.From(text), MinN, MaxN))
        {
            // The top bit picks the sign, so collisions cancel on average instead of piling up.
            v[(int)((g.Hash & 0x7FFF_FFFF_FFFF_FFFFUL) % (ulong)Dimension)] += (g.Hash >> 63) == 0 ? 1 : -1;
        }
        return EmbeddingSources.Normalize(v);
    }
}
