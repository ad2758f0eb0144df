using Takase.Routing.Data;
using Takase.Routing.Learned.Embeddings;
using Takase.Routing.Learned.Training;

namespace Takase.Routing.Learned.MatrixFactorization;

/// <summary>
/// Fits <see cref="MatrixFactorizationModel"/> by minibatch Adam on the binary cross-entropy of RouteLLM's "strong
/// wins" label, with seeded initial weights and shuffles (same data and seed → same model).
/// </summary>
public static class MatrixFactorizationTrainer
{
    /// <summary>Trains on <paramref name="data"/>, whose rows are already embedded in <paramref name="embeddings"/>.</summary>
    public static MatrixFactorizationModel Train(RoutingDataset data, IReadOnlyList<float[]> embeddings, IEmbeddingSource source,
        MatrixFactorizationOptions? options = null)
    {
        options ??= new MatrixFactorizationOptions();
        options.Validate();
        if (embeddings.Count != data.Count) throw new ArgumentException($"{embeddings.Count} embeddings for {data.Count} prompts");
        var n = data.Count;
        var d = options.Dimension;
        var textDim = embeddings[0].Length;
        var random = new Random(options.Seed);

        // Parameters: W (d×D), p_s, p_w, c (d), β — flattened into one array for Adam.
        var w = new float[d][];
        for (var k = 0; k < d; k++)
        {
            w[k] = new float[textDim];
            for (var j = 0; j < textDim; j++) w[k][j] = (float)(VectorMath.Gaussian(random) / Math.Sqrt(textDim));
        }
        var ps = Enumerable.Range(0, d).Select(_ => (float)VectorMath.Gaussian(random)).ToArray();
        var pw = Enumerable.Range(0, d).Select(_ => (float)VectorMath.Gaussian(random)).ToArray();
        var c = Enumerable.Range(0, d).Select(_ => (float)(VectorMath.Gaussian(random) / Math.Sqrt(d))).ToArray();
        var labels = Enumerable.Range(0, n).Select(i => data.StrongWins(i) ? 1f : 0f).ToArray();
        var rate = Math.Clamp(labels.Average(), 1e-3, 1 - 1e-3);
        var bias = Math.Log(rate / (1 - rate));

        var adamW = new Adam(d * textDim);
        var adamSmall = new Adam(3 * d + 1);
        var gw = new float[d][];
        for (var k = 0; k < d; k++) gw[k] = new float[textDim];
        var gSmall = new double[3 * d + 1]; // [p_s | p_w | c | β]
        var u = new double[d];
        var order = Enumerable.Range(0, n).ToArray();
        var lastLoss = 0.0;

        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            for (var i = n - 1; i > 0; i--)
            {
                var j = random.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
            var epochLoss = 0.0;
            for (var start = 0; start < n; start += options.BatchSize)
            {
                var end = Math.Min(n, start + options.BatchSize);
                var scale = 1.0 / (end - start);
                foreach (var g in gw) Array.Clear(g);
                Array.Clear(gSmall);
                var (a, na) = Unit(ps);
                var (b, nb) = Unit(pw);
                var ga = new double[d];
                var gb = new double[d];
                for (var t = start; t < end; t++)
                {
                    var row = order[t];
                    var e = embeddings[row];
                    var z = bias;
                    for (var k = 0; k < d; k++)
                    {
                        u[k] = VectorMath.Dot(w[k], e);
                        z += c[k] * (a[k] - b[k]) * u[k];
                    }
                    var p = 1 / (1 + Math.Exp(-z));
                    epochLoss -= labels[row] * Math.Log(p + 1e-12) + (1 - labels[row]) * Math.Log(1 - p + 1e-12);
                    var g = (p - labels[row]) * scale;
                    for (var k = 0; k < d; k++)
                    {
                        gSmall[2 * d + k] += g * (a[k] - b[k]) * u[k];
                        VectorMath.AddScaled(gw[k], (float)(g * c[k] * (a[k] - b[k])), e);
                        ga[k] += g * c[k] * u[k];
                        gb[k] -= g * c[k] * u[k];
                    }
                    gSmall[3 * d] += g;
                }
                // Through the normalisation p̂ = p/‖p‖: ∂p = (∂p̂ − p̂ (p̂·∂p̂)) / ‖p‖.
                double dotA = 0, dotB = 0;
                for (var k = 0; k < d; k++) { dotA += a[k] * ga[k]; dotB += b[k] * gb[k]; }
                for (var k = 0; k < d; k++)
                {
                    gSmall[k] = (ga[k] - a[k] * dotA) / na;
                    gSmall[d + k] = (gb[k] - b[k] * dotB) / nb;
                }

                var decay = (float)(1 - options.LearningRate * options.L2);
                var offset = 0;
                for (var k = 0; k < d; k++, offset += textDim)
                {
                    for (var j = 0; j < textDim; j++) w[k][j] *= decay;
                    adamW.Step(w[k], gw[k], offset, options.LearningRate);
                }
                var small = new double[3 * d + 1];
                for (var k = 0; k < d; k++) { small[k] = ps[k]; small[d + k] = pw[k]; small[2 * d + k] = c[k] * decay; }
                small[3 * d] = bias;
                adamSmall.Step(small, gSmall, options.LearningRate);
                for (var k = 0; k < d; k++) { ps[k] = (float)small[k]; pw[k] = (float)small[d + k]; c[k] = (float)small[2 * d + k]; }
                bias = small[3 * d];
            }
            lastLoss = epochLoss / n;
        }

        var summary = RouterTraining.Summarize(data, 0, options.Epochs, lastLoss);
        return new MatrixFactorizationModel(options, source, w, ps, pw, c, bias, data.Weak, data.Strong, summary);
    }

    private static (double[] Unit, double Norm) Unit(float[] v)
    {
        var norm = Math.Sqrt(v.Sum(x => (double)x * x));
        if (norm < 1e-12) norm = 1e-12;
        return (v.Select(x => x / norm).ToArray(), norm);
    }

    /// <summary>Adam (β1 0.9, β2 0.999) over a flat parameter range.</summary>
    private sealed class Adam(int size)
    {
        private readonly double[] _m = new double[size];
        private readonly double[] _v = new double[size];
        private readonly Dictionary<int, int> _steps = [];

        public void Step(float[] x, float[] g, int offset, double lr)
        {
            var t = _steps[offset] = _steps.GetValueOrDefault(offset) + 1;
            var c1 = 1 - Math.Pow(0.9, t);
            var c2 = 1 - Math.Pow(0.999, t);
            for (var i = 0; i < x.Length; i++)
            {
                var k = offset + i;
                _m[k] = 0.9 * _m[k] + 0.1 * g[i];
                _v[k] = 0.999 * _v[k] + 0.001 * g[i] * g[i];
                x[i] -= (float)(lr * (_m[k] / c1) / (Math.Sqrt(_v[k] / c2) + 1e-8));
            }
        }

        public void Step(double[] x, double[] g, double lr)
        {
            var t = _steps[0] = _steps.GetValueOrDefault(0) + 1;
            var c1 = 1 - Math.Pow(0.9, t);
            var c2 = 1 - Math.Pow(0.999, t);
            for (var i = 0; i < x.Length; i++)
            {
                _m[i] = 0.9 * _m[i] + 0.1 * g[i];
                _v[i] = 0.999 * _v[i] + 0.001 * g[i] * g[i];
                x[i] -= lr * (_m[i] / c1) / (Math.Sqrt(_v[i] / c2) + 1e-8);
            }
        }
    }
}
