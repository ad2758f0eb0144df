using Takase.Routing.Decisions;
using Takase.Routing.Learned.Embeddings;
using Takase.Routing.Learned.Training;

namespace Takase.Routing.Learned.MatrixFactorization;

/// <summary>
/// RouteLLM's matrix-factorisation router for one model pair. A model m has a learned vector p_m; a prompt's embedding
/// e is projected to the same latent space, u = W·e; the model's quality logit is c·(p̂_m ∘ u) + β_m with p̂_m = p_m/‖p_m‖,
/// and the strong model's win probability is σ(logit_strong − logit_weak) = σ(Σ_k c_k (p̂_s − p̂_w)_k u_k + β).
/// </summary>
/// <remarks>
/// RouteLLM has no per-model bias; we keep one (β = β_s − β_w) so the score is a calibrated probability even when one
/// model wins far more often. The explanation lists the latent factors' terms c_k (p̂_s − p̂_w)_k u_k, which with β add
/// up to the logit.
/// </remarks>
public sealed class MatrixFactorizationModel : TrainedRoutingModel
{
    internal MatrixFactorizationModel(MatrixFactorizationOptions options, IEmbeddingSource embeddings, float[][] projection,
        float[] strongVector, float[] weakVector, float[] classifier, double bias, string weak, string strong, TrainingSummary training)
        : base(weak, strong, training)
    {
        if (projection.Length != options.Dimension || strongVector.Length != options.Dimension || weakVector.Length != options.Dimension
            || classifier.Length != options.Dimension)
            throw new ArgumentException($"matrix-factorisation weights do not match the latent dimension {options.Dimension}");
        Options = options;
        Embeddings = embeddings;
        Projection = projection;
        StrongVector = strongVector;
        WeakVector = weakVector;
        Classifier = classifier;
        Bias = bias;
        Difference = new float[options.Dimension];
        var ns = Math.Sqrt(strongVector.Sum(x => (double)x * x));
        var nw = Math.Sqrt(weakVector.Sum(x => (double)x * x));
        for (var k = 0; k < Difference.Length; k++)
            Difference[k] = (float)(classifier[k] * (strongVector[k] / ns - weakVector[k] / nw));
    }

    /// <inheritdoc />
    public override string Kind => "mf";
    /// <summary>The hyper-parameters it was trained with.</summary>
    public MatrixFactorizationOptions Options { get; }
    /// <summary>Where prompt embeddings come from (the same source as in training).</summary>
    public IEmbeddingSource Embeddings { get; }
    internal float[][] Projection { get; }
    internal float[] StrongVector { get; }
    internal float[] WeakVector { get; }
    internal float[] Classifier { get; }
    internal double Bias { get; }
    /// <summary>c ∘ (p̂_strong − p̂_weak), precomputed.</summary>
    private float[] Difference { get; }

    /// <inheritdoc />
    public override RoutingScore Score(string prompt) => ScoreEmbedding(Embeddings.Embed(prompt));

    /// <summary>Scores a prompt already embedded (cross-validation embeds each prompt once).</summary>
    internal RoutingScore ScoreEmbedding(float[] embedding)
    {
        if (embedding.Length != Projection[0].Length)
            throw new EmbeddingException($"the embedding has {embedding.Length} dimensions; this router was trained on {Projection[0].Length} ({Embeddings.Spec})");
        var logit = Bias;
        var terms = new List<Contribution>(Difference.Length);
        for (var k = 0; k < Difference.Length; k++)
        {
            var term = Difference[k] * (double)VectorMath.Dot(Projection[k], embedding);
            logit += term;
            terms.Add(new Contribution($"factor:{k}", term));
        }
        return new RoutingScore(NGram.NGramRoutingModel.Sigmoid(logit), NGram.NGramRoutingModel.Strongest(terms, 3));
    }
}
