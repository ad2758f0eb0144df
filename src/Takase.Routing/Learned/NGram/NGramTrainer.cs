using Takase.Routing.Data;
using Takase.Routing.Learned.Training;

namespace Takase.Routing.Learned.NGram;

/// <summary>
/// Fits <see cref="NGramRoutingModel"/> to a routing dataset: L2-regularised logistic regression of RouteLLM's
/// "strong wins" label, minimised by L-BFGS (deterministic: the same data give the same weights).
/// </summary>
public static class NGramTrainer
{
    /// <summary>Trains on every row of <paramref name="data"/>; the result is not calibrated yet (see <see cref="RouterTraining"/>).</summary>
    public static NGramRoutingModel Train(RoutingDataset data, NGramOptions? options = null)
    {
        options ??= new NGramOptions();
        options.Validate();
        var n = data.Count;
        var statCount = options.Statistics ? PromptStatistics.Count : 0;

        // Sparse rows over a compact index of the buckets the training prompts use.
        var compact = new Dictionary<int, int>();
        var rows = new (int[] Index, double[] Value)[n];
        var stats = new double[n, statCount];
        Span<double> raw = stackalloc double[PromptStatistics.Count];
        for (var r = 0; r < n; r++)
        {
            var prompt = data.Examples[r].Prompt;
            var grams = NGramFeatures.Distinct(NormalizedText.From(prompt), options.MinN, options.MaxN);
            var value = grams.Count == 0 ? 0 : 1 / Math.Sqrt(grams.Count);
            var row = new Dictionary<int, double>(grams.Count);
            foreach (var g in grams)
            {
                var bucket = NGramFeatures.Bucket(g.Hash, options.Buckets);
                if (!compact.TryGetValue(bucket, out var c)) compact[bucket] = c = compact.Count;
                row[c] = row.GetValueOrDefault(c) + value; // two n-grams of one prompt in one bucket add up
            }
            rows[r] = (row.Keys.ToArray(), row.Values.ToArray());
            if (statCount > 0)
            {
                PromptStatistics.Compute(prompt, raw);
                for (var j = 0; j < statCount; j++) stats[r, j] = raw[j];
            }
        }

        // Standardise the statistics (a constant one gets scale 1 and so weight ~0 under L2).
        var mean = new double[statCount];
        var scale = new double[statCount];
        for (var j = 0; j < statCount; j++)
        {
            double sum = 0, sq = 0;
            for (var r = 0; r < n; r++) sum += stats[r, j];
            mean[j] = sum / n;
            for (var r = 0; r < n; r++) sq += (stats[r, j] - mean[j]) * (stats[r, j] - mean[j]);
            var sd = Math.Sqrt(sq / n);
            scale[j] = sd > 1e-12 ? sd : 1;
            for (var r = 0; r < n; r++) stats[r, j] = (stats[r, j] - mean[j]) / scale[j];
        }

        var labels = new double[n];
        for (var r = 0; r < n; r++) labels[r] = data.StrongWins(r) ? 1 : 0;

        // x = [compact n-gram weights | statistic weights | bias]
        var u = compact.Count;
        var x = new double[u + statCount + 1];
        var baseRate = Math.Clamp(labels.Average(), 1e-3, 1 - 1e-3);
        x[^1] = Math.Log(baseRate / (1 - baseRate));
        var lambda = options.L2;
        double Objective(ReadOnlySpan<double> w, Span<double> grad)
        {
            grad.Clear();
            var loss = 0.0;
            for (var r = 0; r < n; r++)
            {
                var (index, value) = rows[r];
                var z = w[^1];
                for (var k = 0; k < index.Length; k++) z += w[index[k]] * value[k];
                for (var j = 0; j < statCount; j++) z += w[u + j] * stats[r, j];
                // log(1 + e^z) − y·z, computed stably
                loss += (z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z))) - labels[r] * z;
                var d = (NGramRoutingModel.Sigmoid(z) - labels[r]) / n;
                for (var k = 0; k < index.Length; k++) grad[index[k]] += d * value[k];
                for (var j = 0; j < statCount; j++) grad[u + j] += d * stats[r, j];
                grad[^1] += d;
            }
            loss /= n;
            for (var i = 0; i < w.Length - 1; i++)
            {
                loss += 0.5 * lambda * w[i] * w[i];
                grad[i] += lambda * w[i];
            }
            return loss;
        }

        var iterations = Lbfgs.Minimize(Objective, x, options.MaxIterations);
        var finalLoss = Objective(x, new double[x.Length]);

        var weights = new double[options.Buckets];
        foreach (var (bucket, c) in compact) weights[bucket] = x[c];
        var summary = RouterTraining.Summarize(data, 0, iterations, finalLoss);
        return new NGramRoutingModel(options, weights, x[^1], x.AsSpan(u, statCount).ToArray(), mean, scale, data.Weak, data.Strong, summary);
    }
}
