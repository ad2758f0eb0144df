using Takase.Routing.Data;
using Takase.Routing.Learned.Embeddings;

namespace Takase.Routing.Learned.Similarity;

/// <summary>Builds a <see cref="SimilarityModel"/>: nothing to fit, the labelled prompts' embeddings are the model.</summary>
public static class SimilarityTrainer
{
    /// <summary>Keeps <paramref name="data"/>'s labels with its rows' <paramref name="embeddings"/>.</summary>
    public static SimilarityModel Train(RoutingDataset data, IReadOnlyList<float[]> embeddings, IEmbeddingSource source, SimilarityOptions? options = null)
    {
        options ??= new SimilarityOptions();
        options.Validate();
        if (embeddings.Count != data.Count) throw new ArgumentException($"{embeddings.Count} embeddings for {data.Count} prompts");
        var labels = Enumerable.Range(0, data.Count).Select(i => data.StrongWins(i) ? 1f : 0f).ToArray();
        var summary = RouterTraining.Summarize(data, 0, 0, 0);
        return new SimilarityModel(options, source, data.Examples.Select(e => e.Id).ToList(), embeddings.ToArray(), labels,
            labels.Average(), data.Weak, data.Strong, summary);
    }
}
