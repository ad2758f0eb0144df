using Takase.Routing.Decisions;
using Takase.Routing.Learned.Embeddings;
using Takase.Routing.Learned.Training;

namespace Takase.Routing.Learned.Similarity;

/// <summary>
/// Similarity-weighted ranking in the spirit of RouteLLM's SW router: the labelled prompts most similar to the new one
/// (cosine of embeddings) vote with weight 10^(sim / max sim) — the closest neighbour counts up to ten times more than a
/// far one — for "the strong model won there". The score is the weighted share of strong wins, pulled toward the
/// training base rate by a pseudo-neighbour of weight <see cref="SimilarityOptions.PriorWeight"/>.
/// </summary>
/// <remarks>
/// RouteLLM fits a weighted Bradley–Terry model over arena battles; for one model pair with one outcome per prompt that
/// reduces to the weighted win share used here. The explanation lists the neighbours by id: each one's weight·(label −
/// base rate)/total weight, so the base rate plus all neighbours' terms is the score.
/// </remarks>
public sealed class SimilarityModel : TrainedRoutingModel
{
    internal SimilarityModel(SimilarityOptions options, IEmbeddingSource embeddings, IReadOnlyList<string> ids, float[][] vectors,
        float[] labels, double baseRate, string weak, string strong, TrainingSummary training)
        : base(weak, strong, training)
    {
        if (ids.Count != vectors.Length || labels.Length != vectors.Length || vectors.Length == 0)
            throw new ArgumentException("a similarity router needs one id, vector and label per labelled prompt");
        Options = options;
        Embeddings = embeddings;
        Ids = ids;
        Vectors = vectors;
        Labels = labels;
        BaseRate = baseRate;
    }

    /// <inheritdoc />
    public override string Kind => "similarity";
    /// <summary>The hyper-parameters.</summary>
    public SimilarityOptions Options { get; }
    /// <summary>Where prompt embeddings come from (the same source as the labelled prompts').</summary>
    public IEmbeddingSource Embeddings { get; }
    internal IReadOnlyList<string> Ids { get; }
    internal float[][] Vectors { get; }
    internal float[] Labels { get; }
    /// <summary>Share of labelled prompts where the strong model won.</summary>
    public double BaseRate { get; }

    /// <inheritdoc />
    public override RoutingScore Score(string prompt) => ScoreEmbedding(Embeddings.Embed(prompt));

    /// <summary>Scores a prompt already embedded (unit length).</summary>
    internal RoutingScore ScoreEmbedding(float[] embedding)
    {
        if (embedding.Length != Vectors[0].Length)
            throw new EmbeddingException($"the embedding has {embedding.Length} dimensions; this router was trained on {Vectors[0].Length} ({Embeddings.Spec})");
        var k = Math.Min(Options.Neighbours, Vectors.Length);
        // Keep the k most similar in a small sorted buffer (k ≪ N).
        var best = new (float Sim, int Index)[k];
        var filled = 0;
        for (var i = 0; i < Vectors.Length; i++)
        {
            var sim = VectorMath.Dot(Vectors[i], embedding); // both unit length: the cosine
            if (filled == k && sim <= best[k - 1].Sim) continue;
            var at = filled < k ? filled++ : k - 1;
            while (at > 0 && best[at - 1].Sim < sim) { best[at] = best[at - 1]; at--; }
            best[at] = (sim, i);
        }
        var maxSim = Math.Max(best[0].Sim, 1e-6f);
        var weights = new double[filled];
        var total = Options.PriorWeight;
        var wins = Options.PriorWeight * BaseRate;
        for (var j = 0; j < filled; j++)
        {
            weights[j] = Math.Pow(10, Math.Max(best[j].Sim, 0) / maxSim);
            total += weights[j];
            wins += weights[j] * Labels[best[j].Index];
        }
        var contributions = new List<Contribution>(filled);
        for (var j = 0; j < filled; j++)
            contributions.Add(new Contribution($"neighbour:{Ids[best[j].Index]}", weights[j] * (Labels[best[j].Index] - BaseRate) / total));
        return new RoutingScore(wins / total, NGram.NGramRoutingModel.Strongest(contributions, 3));
    }
}
