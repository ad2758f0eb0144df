using Takase.Routing.Data;
using Takase.Routing.Evaluation;
using Takase.Routing.Learned.Embeddings;
using Takase.Routing.Learned.MatrixFactorization;
using Takase.Routing.Learned.NGram;
using Takase.Routing.Learned.Similarity;
using Takase.Routing.Profiles;

namespace Takase.Routing.Learned;

/// <summary>What to train and how.</summary>
public sealed record RouterTrainingOptions
{
    /// <summary>NGram, MatrixFactorization or Similarity.</summary>
    public RoutingStrategy Strategy { get; init; } = RoutingStrategy.NGram;
    /// <summary>N-gram hyper-parameters.</summary>
    public NGramOptions NGram { get; init; } = new();
    /// <summary>Matrix-factorisation hyper-parameters.</summary>
    public MatrixFactorizationOptions MatrixFactorization { get; init; } = new();
    /// <summary>Similarity hyper-parameters.</summary>
    public SimilarityOptions Similarity { get; init; } = new();
    /// <summary>Embeddings for the mf and similarity strategies; null: hashed n-gram embeddings.</summary>
    public IEmbeddingSource? Embeddings { get; init; }
    /// <summary>
    /// Folds of the out-of-fold scores kept for calibration (0: score the training prompts with the final model, which
    /// is over-confident on them and so misjudges the share of strong calls on new prompts).
    /// </summary>
    public int CalibrationFolds { get; init; } = 5;
    /// <summary>Seed of the fold shuffles (and of the mf model's initial weights through its own options).</summary>
    public int Seed { get; init; } = 17;
}

/// <summary>
/// Trains a router of any strategy on a routing dataset and calibrates it: the calibration scores are the
/// out-of-fold scores of the training prompts, so a threshold taken from them sends the wanted share of new prompts
/// to the strong model.
/// </summary>
public static class RouterTraining
{
    /// <summary>The strategies that learn from data, by their CLI and file names.</summary>
    public static readonly IReadOnlyDictionary<string, RoutingStrategy> Strategies = new Dictionary<string, RoutingStrategy>(StringComparer.OrdinalIgnoreCase)
    {
        ["ngram"] = RoutingStrategy.NGram,
        ["mf"] = RoutingStrategy.MatrixFactorization,
        ["similarity"] = RoutingStrategy.Similarity,
    };

    /// <summary>A strategy by name ("ngram", "mf", "similarity").</summary>
    /// <exception cref="ArgumentException">an unknown name, with the known ones.</exception>
    public static RoutingStrategy ParseStrategy(string name) => Strategies.TryGetValue(name, out var s)
        ? s
        : throw new ArgumentException($"unknown routing strategy '{name}'; expected one of {string.Join(", ", Strategies.Keys)}");

    /// <summary>Trains on all of <paramref name="data"/> and calibrates.</summary>
    public static TrainedRoutingModel Train(RoutingDataset data, RouterTrainingOptions? options = null)
    {
        options ??= new RouterTrainingOptions();
        var prepared = Prepare(data, options);
        var model = prepared.Fit(Enumerable.Range(0, data.Count).ToArray());
        double[] calibration;
        if (options.CalibrationFolds >= 2)
            calibration = CrossValidation.OutOfFoldScores(prepared, options.CalibrationFolds, options.Seed);
        else
            calibration = Enumerable.Range(0, data.Count).Select(i => prepared.ScoreRow(model, i)).ToArray();
        model.CalibrationScores = calibration;
        model.Training = model.Training with { CalibrationFolds = Math.Max(0, options.CalibrationFolds) };
        return model;
    }

    /// <summary>Embeds the prompts once (for embedding strategies) so folds reuse the vectors.</summary>
    internal static PreparedData Prepare(RoutingDataset data, RouterTrainingOptions options)
    {
        if (options.Strategy is not (RoutingStrategy.NGram or RoutingStrategy.MatrixFactorization or RoutingStrategy.Similarity))
            throw new ArgumentException($"strategy {options.Strategy} does not learn from data; train ngram, mf or similarity");
        float[][]? vectors = null;
        var source = options.Embeddings ?? new HashedNgramEmbeddings();
        if (options.Strategy != RoutingStrategy.NGram)
            vectors = data.Examples.Select(e => source.Embed(e.Prompt)).ToArray();
        return new PreparedData(data, options, source, vectors);
    }

    internal static TrainingSummary Summarize(RoutingDataset data, int calibrationFolds, int iterations, double loss) =>
        new(data.Source, data.Count, Enumerable.Range(0, data.Count).Count(data.StrongWins) / (double)data.Count,
            data.WeakMean, data.StrongMean, calibrationFolds, iterations, loss);

    /// <summary>A dataset with its embeddings, ready to fit any subset of rows and score any row.</summary>
    internal sealed class PreparedData(RoutingDataset data, RouterTrainingOptions options, IEmbeddingSource source, float[][]? vectors)
    {
        public RoutingDataset Data => data;

        public TrainedRoutingModel Fit(int[] rows)
        {
            var subset = rows.Length == data.Count ? data : data.Subset(rows);
            return options.Strategy switch
            {
                RoutingStrategy.NGram => NGramTrainer.Train(subset, options.NGram),
                RoutingStrategy.MatrixFactorization => MatrixFactorizationTrainer.Train(subset, rows.Select(r => vectors![r]).ToArray(), source, options.MatrixFactorization),
                _ => SimilarityTrainer.Train(subset, rows.Select(r => vectors![r]).ToArray(), source, options.Similarity),
            };
        }

        public double ScoreRow(TrainedRoutingModel model, int row) => model switch
        {
            MatrixFactorizationModel mf => mf.ScoreEmbedding(vectors![row]).StrongNeed,
            SimilarityModel sim => sim.ScoreEmbedding(vectors![row]).StrongNeed,
            _ => model.Score(data.Examples[row].Prompt).StrongNeed,
        };
    }
}
