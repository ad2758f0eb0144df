namespace Takase.Routing.Learned.NGram;

/// <summary>One labelled prompt for an online update: what people said after the router decided.</summary>
/// <param name="Prompt">The prompt as the router scored it.</param>
/// <param name="StrongWins">1 when the stronger tier was needed (its answer was better), 0 when the weaker one sufficed; values in between are soft labels.</param>
/// <param name="Weight">How much this example counts (e.g. the number of events it summarises); 1 by default.</param>
public sealed record OnlineExample(string Prompt, double StrongWins, double Weight = 1);

/// <summary>How an online update steps.</summary>
public sealed record OnlineUpdateOptions
{
    /// <summary>
    /// The SGD step size on the per-example loss. Small, so a handful of events nudges the model rather than
    /// overwriting what it learned from the full dataset (n-gram features have value 1/√(distinct n-grams), so a
    /// step moves a prompt's logit by about rate × (σ − y) × (1 + 1 + statistics)).
    /// </summary>
    public double LearningRate { get; init; } = 0.5;
    /// <summary>Passes over the examples of one update.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Checks the values; the message names the bad one.</summary>
    /// <exception cref="ArgumentException">a value is out of range.</exception>
    public void Validate()
    {
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"the online learning rate must be a number > 0, not {LearningRate}");
        if (Epochs is < 1 or > 100) throw new ArgumentException($"online update epochs must be 1..100, not {Epochs}");
    }
}

/// <summary>
/// Stochastic gradient steps on a trained <see cref="NGramRoutingModel"/> with the loss it was trained on (log-loss of
/// "strong wins" plus L2/2·‖w‖², the bias unpenalised), so feedback can move the router between full retrainings.
/// The trained model is never changed: the update returns a new model, which callers swap in atomically.
/// </summary>
/// <remarks>
/// Statistics keep the training mean and scale (a few events say nothing reliable about the population), and the
/// calibration scores are carried over unchanged, so a profile's calibrated threshold stays where it was and an
/// update moves only the scores of prompts like the ones people judged.
/// </remarks>
public static class NGramOnlineUpdate
{
    /// <summary>The model after SGD steps on <paramref name="examples"/>, in order.</summary>
    /// <exception cref="ArgumentException">a label is outside 0..1, a weight is negative, or an option is out of range.</exception>
    public static NGramRoutingModel Apply(NGramRoutingModel model, IReadOnlyList<OnlineExample> examples, OnlineUpdateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(examples);
        options ??= new OnlineUpdateOptions();
        options.Validate();
        foreach (var e in examples)
        {
            if (!(e.StrongWins is >= 0 and <= 1)) throw new ArgumentException($"online example label must be 0..1, not {e.StrongWins} (prompt '{Short(e.Prompt)}')");
            if (!(e.Weight >= 0) || !double.IsFinite(e.Weight)) throw new ArgumentException($"online example weight must be ≥ 0, not {e.Weight} (prompt '{Short(e.Prompt)}')");
        }

        var o = model.Options;
        var weights = model.Weights.ToArray();
        var statWeights = model.StatWeights.ToArray();
        var mean = model.StatMean;
        var scale = model.StatScale;
        var bias = model.Bias;
        var rate = options.LearningRate;
        Span<double> raw = stackalloc double[PromptStatistics.Count];
        Span<double> stats = stackalloc double[statWeights.Length];

        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            foreach (var example in examples)
            {
                if (example.Weight == 0) continue;
                // The example's sparse row, exactly as the trainer builds it: colliding n-grams add up in their bucket.
                var grams = NGramFeatures.Distinct(NormalizedText.From(example.Prompt), o.MinN, o.MaxN);
                var value = grams.Count == 0 ? 0 : 1 / Math.Sqrt(grams.Count);
                var row = new Dictionary<int, double>(grams.Count);
                foreach (var g in grams)
                {
                    var bucket = NGramFeatures.Bucket(g.Hash, o.Buckets);
                    row[bucket] = row.GetValueOrDefault(bucket) + value;
                }
                if (statWeights.Length > 0)
                {
                    PromptStatistics.Compute(example.Prompt, raw);
                    for (var j = 0; j < stats.Length; j++) stats[j] = (raw[j] - mean[j]) / scale[j];
                }

                var z = bias;
                foreach (var (bucket, x) in row) z += weights[bucket] * x;
                for (var j = 0; j < stats.Length; j++) z += statWeights[j] * stats[j];
                var d = example.Weight * (NGramRoutingModel.Sigmoid(z) - example.StrongWins);

                // The L2 term's gradient λw on every weight is a uniform shrink; then the data term on the row's features.
                var shrink = 1 - rate * o.L2 * example.Weight;
                if (shrink != 1)
                {
                    for (var i = 0; i < weights.Length; i++) weights[i] *= shrink;
                    for (var j = 0; j < statWeights.Length; j++) statWeights[j] *= shrink;
                }
                foreach (var (bucket, x) in row) weights[bucket] -= rate * d * x;
                for (var j = 0; j < stats.Length; j++) statWeights[j] -= rate * d * stats[j];
                bias -= rate * d;
            }
        }

        return new NGramRoutingModel(o, weights, bias, statWeights, mean.ToArray(), scale.ToArray(), model.Weak, model.Strong, model.Training)
        {
            CalibrationScores = model.CalibrationScores,
        };
    }

    private static string Short(string prompt) => prompt.Length <= 40 ? prompt : prompt[..40] + "…";
}
