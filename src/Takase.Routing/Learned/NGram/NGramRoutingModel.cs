using Takase.Routing.Decisions;

namespace Takase.Routing.Learned.NGram;

/// <summary>
/// The full explanation of one n-gram score: the logit is exactly <see cref="Bias"/> plus the sum of
/// <see cref="Contributions"/>' weights (one per distinct n-gram of the prompt, at its first occurrence, and one per
/// prompt statistic), and the score is σ(logit).
/// </summary>
/// <param name="Bias">The model's intercept.</param>
/// <param name="Logit">The score before the sigmoid.</param>
/// <param name="Contributions">Every feature's weight × value, in logit units, in prompt order (statistics last).</param>
public sealed record NGramExplanation(double Bias, double Logit, IReadOnlyList<Contribution> Contributions)
{
    /// <summary>σ(<see cref="Logit"/>): the predicted probability that the strong model is needed.</summary>
    public double StrongNeed => 1 / (1 + Math.Exp(-Logit));
}

/// <summary>
/// Logistic regression over hashed character n-grams (1..4 code points after NFKC and lower-casing) and a few prompt
/// statistics: fast, language-agnostic and exactly explainable — every distinct n-gram adds weight × value to the
/// logit, so the substrings that pushed a prompt to the strong model can be shown where they are in the prompt.
/// </summary>
/// <remarks>
/// An n-gram's value is 1/√(distinct n-grams of the prompt) (binary presence, L2-normalised so long and short prompts
/// weigh alike; length has its own statistic). Statistics are standardised with the training mean and deviation.
/// </remarks>
public sealed class NGramRoutingModel : TrainedRoutingModel
{
    /// <summary>How many of the strongest positive and of the strongest negative features <see cref="Score"/> reports.</summary>
    public const int ReportedPerSign = 5;

    private readonly double[] _weights;
    private readonly double[] _statWeights;
    private readonly double[] _statMean;
    private readonly double[] _statScale;

    internal NGramRoutingModel(NGramOptions options, double[] weights, double bias, double[] statWeights, double[] statMean,
        double[] statScale, string weak, string strong, TrainingSummary training)
        : base(weak, strong, training)
    {
        if (weights.Length != options.Buckets) throw new ArgumentException($"expected {options.Buckets} bucket weights, got {weights.Length}");
        var stats = options.Statistics ? PromptStatistics.Count : 0;
        if (statWeights.Length != stats || statMean.Length != stats || statScale.Length != stats)
            throw new ArgumentException($"expected {stats} statistic weights, means and scales");
        Options = options;
        _weights = weights;
        Bias = bias;
        _statWeights = statWeights;
        _statMean = statMean;
        _statScale = statScale;
    }

    /// <inheritdoc />
    public override string Kind => "ngram";
    /// <summary>The hyper-parameters it was trained with.</summary>
    public NGramOptions Options { get; }
    /// <summary>The intercept (logit of a prompt with no features).</summary>
    public double Bias { get; }
    internal ReadOnlySpan<double> Weights => _weights;
    internal ReadOnlySpan<double> StatWeights => _statWeights;
    internal ReadOnlySpan<double> StatMean => _statMean;
    internal ReadOnlySpan<double> StatScale => _statScale;

    /// <inheritdoc />
    public override RoutingScore Score(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var text = NormalizedText.From(prompt);
        var grams = NGramFeatures.Distinct(text, Options.MinN, Options.MaxN);
        var gramWeights = new double[grams.Count];
        Span<double> statWeights = stackalloc double[_statWeights.Length];
        var logit = Evaluate(prompt, grams, gramWeights, statWeights);

        // Only the reported features become Contribution objects: the hot path allocates a handful, not thousands.
        var chosen = new List<Contribution>(2 * ReportedPerSign);
        foreach (var sign in (ReadOnlySpan<int>)[1, -1])
        {
            var picked = new List<int>(ReportedPerSign);
            for (var k = 0; k < ReportedPerSign; k++)
            {
                var best = -1;
                var bestValue = 0.0;
                for (var i = 0; i < gramWeights.Length + statWeights.Length; i++)
                {
                    var v = sign * (i < gramWeights.Length ? gramWeights[i] : statWeights[i - gramWeights.Length]);
                    if (v > bestValue && !picked.Contains(i)) { best = i; bestValue = v; }
                }
                if (best < 0) break;
                picked.Add(best);
                chosen.Add(best < gramWeights.Length
                    ? GramContribution(prompt, text, grams[best], gramWeights[best])
                    : new Contribution("stat:" + PromptStatistics.Names[best - gramWeights.Length], statWeights[best - gramWeights.Length]));
            }
        }
        chosen.Sort((a, b) => Math.Abs(b.Weight).CompareTo(Math.Abs(a.Weight)));
        return new RoutingScore(Sigmoid(logit), chosen);
    }

    /// <summary>Scores <paramref name="prompt"/> with every feature's contribution.</summary>
    public NGramExplanation Explain(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var text = NormalizedText.From(prompt);
        var grams = NGramFeatures.Distinct(text, Options.MinN, Options.MaxN);
        var gramWeights = new double[grams.Count];
        var statWeights = new double[_statWeights.Length];
        var logit = Evaluate(prompt, grams, gramWeights, statWeights);
        var contributions = new List<Contribution>(grams.Count + statWeights.Length);
        for (var i = 0; i < grams.Count; i++) contributions.Add(GramContribution(prompt, text, grams[i], gramWeights[i]));
        for (var i = 0; i < statWeights.Length; i++) contributions.Add(new Contribution("stat:" + PromptStatistics.Names[i], statWeights[i]));
        return new NGramExplanation(Bias, logit, contributions);
    }

    /// <summary>The logit, with each n-gram's and each statistic's contribution written out.</summary>
    private double Evaluate(string prompt, List<NGramOccurrence> grams, Span<double> gramWeights, Span<double> statWeights)
    {
        var logit = Bias;
        if (grams.Count > 0)
        {
            var value = 1 / Math.Sqrt(grams.Count);
            for (var i = 0; i < grams.Count; i++)
            {
                gramWeights[i] = _weights[NGramFeatures.Bucket(grams[i].Hash, Options.Buckets)] * value;
                logit += gramWeights[i];
            }
        }
        if (statWeights.Length > 0)
        {
            Span<double> raw = stackalloc double[PromptStatistics.Count];
            PromptStatistics.Compute(prompt, raw);
            for (var i = 0; i < raw.Length; i++)
            {
                statWeights[i] = _statWeights[i] * (raw[i] - _statMean[i]) / _statScale[i];
                logit += statWeights[i];
            }
        }
        return logit;
    }

    private static Contribution GramContribution(string prompt, NormalizedText text, NGramOccurrence gram, double weight)
    {
        var start = text.Starts[gram.First];
        var length = text.Ends[gram.First + gram.Length - 1] - start;
        var substring = prompt.Substring(start, length);
        return new Contribution("ngram:" + substring, weight, substring, start, length);
    }

    internal static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>The <paramref name="perSign"/> largest positive and largest negative contributions, strongest first.</summary>
    internal static IReadOnlyList<Contribution> Strongest(IReadOnlyList<Contribution> all, int perSign)
    {
        var positive = all.Where(c => c.Weight > 0).OrderByDescending(c => c.Weight).ThenBy(c => c.Start).Take(perSign);
        var negative = all.Where(c => c.Weight < 0).OrderBy(c => c.Weight).ThenBy(c => c.Start).Take(perSign);
        return positive.Concat(negative).OrderByDescending(c => Math.Abs(c.Weight)).ToList();
    }
}
