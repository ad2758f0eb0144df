namespace Takase.Engine.Sampling;

/// <summary>
/// Picks the next token from a model's logits. The stages run in llama.cpp's default order:
/// logit bias → repetition/presence/frequency penalties → top-k → top-p → min-p → temperature → draw,
/// so a given set of options means what it means there and in Ollama. One sampler serves one sequence:
/// it remembers that sequence's tokens (<see cref="Accept"/>) for the penalties.
/// </summary>
/// <remarks>
/// Sample allocates nothing: every buffer is sized to the vocabulary at construction. Top-k selects with a
/// bounded heap (O(V log k)) instead of sorting the whole vocabulary; a full sort happens only when top-p runs
/// without top-k. Not thread-safe; use one sampler per sequence.
/// </remarks>
public sealed class Sampler
{
    private readonly SamplingOptions _options;
    private readonly int _vocabSize;
    private readonly int[] _biasTokens;
    private readonly float[] _biasValues;
    private readonly bool _penaltiesActive;
    private readonly PenaltyWindow _window;
    private readonly TokenCandidate[] _candidates;
    private readonly double[] _weights;   // unnormalised probabilities of the candidates, same order
    private int _candidateCount;
    private Xoshiro256StarStar _random;

    /// <summary>Creates a sampler for a model with <paramref name="vocabSize"/> logits per step.</summary>
    /// <exception cref="ArgumentException">An option is out of range, or a logit bias names a token outside the vocabulary.</exception>
    public Sampler(SamplingOptions options, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        options.Validate();
        _options = options;
        _vocabSize = vocabSize;

        var bias = options.LogitBias ?? new Dictionary<int, float>();
        _biasTokens = new int[bias.Count];
        _biasValues = new float[bias.Count];
        var i = 0;
        foreach (var (token, value) in bias.OrderBy(b => b.Key))
        {
            if (token >= vocabSize)
                throw new ArgumentException($"LogitBias names token id {token}, but the model's vocabulary has {vocabSize} tokens (ids 0..{vocabSize - 1}).", nameof(options));
            _biasTokens[i] = token;
            _biasValues[i] = value;
            i++;
        }

        _penaltiesActive = options.RepeatLastN != 0 &&
            (options.RepeatPenalty != 1f || options.PresencePenalty != 0f || options.FrequencyPenalty != 0f);
        _window = new PenaltyWindow(_penaltiesActive ? options.RepeatLastN : 0, vocabSize);
        _candidates = new TokenCandidate[vocabSize];
        _weights = new double[vocabSize];
        Seed = options.Seed ?? Random.Shared.NextInt64(long.MinValue, long.MaxValue);
        _random = new Xoshiro256StarStar(unchecked((ulong)Seed));
    }

    /// <summary>The seed in use: <see cref="SamplingOptions.Seed"/>, or the random one chosen when that is null
    /// (report it to let a user reproduce a generation).</summary>
    public long Seed { get; private set; }

    /// <summary>The probability the last sampled token had in the distribution it was drawn from, after every
    /// filter and the temperature; 1 for greedy picks.</summary>
    public double LastProbability { get; private set; }

    /// <summary>
    /// Chooses a token. <paramref name="logits"/> must hold one value per vocabulary entry; the logit bias and
    /// penalties are applied to it in place (the later stages work on a copy), NaN logits are never chosen.
    /// </summary>
    /// <exception cref="ArgumentException">The span's length is not the vocabulary size.</exception>
    /// <exception cref="InvalidOperationException">Every token is banned (negative infinity or NaN).</exception>
    public int Sample(Span<float> logits)
    {
        PrepareCandidates(logits);
        var candidates = _candidates.AsSpan(0, _candidateCount);

        if (_options.Temperature <= 0)
        {
            // Greedy: the candidates hold only the best token (see PrepareCandidates).
            LastProbability = 1;
            return candidates[0].Id;
        }

        var max = MaxLogit(candidates);
        var inverseTemperature = 1.0 / _options.Temperature;
        var total = 0.0;
        for (var i = 0; i < candidates.Length; i++)
        {
            var weight = Weight(candidates[i].Logit, max, inverseTemperature);
            _weights[i] = weight;
            total += weight;
        }

        var threshold = _random.NextDouble() * total;
        var cumulative = 0.0;
        var chosen = candidates.Length - 1;   // rounding can leave the threshold just above the last sum
        for (var i = 0; i < candidates.Length; i++)
        {
            cumulative += _weights[i];
            if (threshold < cumulative)
            {
                chosen = i;
                break;
            }
        }
        LastProbability = _weights[chosen] / total;
        return candidates[chosen].Id;
    }

    /// <summary>Records a token of the sequence (prompt or generated) for the penalties' window.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public void Accept(int token)
    {
        if ((uint)token >= (uint)_vocabSize)
            throw new ArgumentOutOfRangeException(nameof(token), token, $"token id must be in 0..{_vocabSize - 1} for this vocabulary.");
        _window.Add(token);
    }

    /// <summary>Starts a new sequence: forgets the accepted tokens and restarts the random stream from
    /// <see cref="SamplingOptions.Seed"/> (or from a fresh random seed when that is null).</summary>
    public void Reset()
    {
        _window.Clear();
        Seed = _options.Seed ?? Random.Shared.NextInt64(long.MinValue, long.MaxValue);
        _random = new Xoshiro256StarStar(unchecked((ulong)Seed));
        LastProbability = 0;
    }

    /// <summary>The tokens left after bias, penalties and the filters, for tests; valid until the next call.</summary>
    internal ReadOnlySpan<TokenCandidate> Candidates => _candidates.AsSpan(0, _candidateCount);

    /// <summary>Runs every stage but the temperature and the draw, leaving the survivors in <see cref="Candidates"/>.</summary>
    internal void PrepareCandidates(Span<float> logits)
    {
        if (logits.Length != _vocabSize)
            throw new ArgumentException($"expected {_vocabSize} logits (the vocabulary size), got {logits.Length}.", nameof(logits));

        ApplyLogitBias(logits);
        if (_penaltiesActive) ApplyPenalties(logits);

        if (_options.Temperature <= 0)
        {
            _candidateCount = SelectBest(logits);
        }
        else
        {
            var topK = _options.TopK;
            var sorted = false;
            if (topK > 0 && topK < _vocabSize)
            {
                _candidateCount = SelectTopK(logits, topK);
                sorted = true;
            }
            else
            {
                _candidateCount = CollectAll(logits);
            }
            if (_candidateCount > 0 && _options.TopP < 1f)
            {
                if (!sorted) _candidates.AsSpan(0, _candidateCount).Sort(TokenCandidate.CompareBestFirst);
                _candidateCount = KeepTopP(_candidates.AsSpan(0, _candidateCount), _options.TopP);
            }
            if (_candidateCount > 0 && _options.MinP > 0f)
                _candidateCount = KeepMinP(_candidates.AsSpan(0, _candidateCount), _options.MinP);
        }

        if (_candidateCount == 0)
            throw new InvalidOperationException("every token is banned: all logits are negative infinity or NaN after the logit bias and penalties.");
    }

    private void ApplyLogitBias(Span<float> logits)
    {
        for (var i = 0; i < _biasTokens.Length; i++)
            logits[_biasTokens[i]] += _biasValues[i];
    }

    /// <summary>llama.cpp's penalties: the repeat penalty pushes a seen token's logit towards "less likely" whatever
    /// its sign (divide if positive, multiply if not), then presence and frequency subtract as OpenAI defines them.</summary>
    private void ApplyPenalties(Span<float> logits)
    {
        var repeat = _options.RepeatPenalty;
        var presence = _options.PresencePenalty;
        var frequency = _options.FrequencyPenalty;
        foreach (var token in _window.DistinctTokens)
        {
            var logit = logits[token];
            logit = logit <= 0 ? logit * repeat : logit / repeat;
            logit -= _window.Count(token) * frequency + presence;
            logits[token] = logit;
        }
    }

    private static bool IsEligible(float logit) => !float.IsNaN(logit) && !float.IsNegativeInfinity(logit);

    /// <summary>Greedy: the single best token, lowest id on ties.</summary>
    private int SelectBest(ReadOnlySpan<float> logits)
    {
        var best = -1;
        for (var i = 0; i < logits.Length; i++)
        {
            if (IsEligible(logits[i]) && (best < 0 || logits[i] > logits[best]))
                best = i;
        }
        if (best < 0) return 0;
        _candidates[0] = new TokenCandidate(best, logits[best]);
        return 1;
    }

    private int CollectAll(ReadOnlySpan<float> logits)
    {
        var n = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            if (IsEligible(logits[i]))
                _candidates[n++] = new TokenCandidate(i, logits[i]);
        }
        return n;
    }

    /// <summary>
    /// The k best tokens, best first. A min-heap of size k holds the best seen so far with the worst at its root,
    /// so most tokens cost one comparison; heap-sorting the survivors then yields them in descending order.
    /// </summary>
    private int SelectTopK(ReadOnlySpan<float> logits, int k)
    {
        var heap = _candidates.AsSpan(0, k);
        var n = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            if (!IsEligible(logits[i])) continue;
            var candidate = new TokenCandidate(i, logits[i]);
            if (n < k)
            {
                heap[n] = candidate;
                SiftUp(heap, n++);
            }
            else if (TokenCandidate.IsBetter(candidate, heap[0]))
            {
                heap[0] = candidate;
                SiftDown(heap[..n], 0);
            }
        }
        // Heap sort: repeatedly move the worst remaining to the end.
        for (var end = n - 1; end > 0; end--)
        {
            (heap[0], heap[end]) = (heap[end], heap[0]);
            SiftDown(heap[..end], 0);
        }
        return n;
    }

    // Min-heap by the candidate order: a parent is never better than its children.
    private static void SiftUp(Span<TokenCandidate> heap, int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (!TokenCandidate.IsBetter(heap[parent], heap[i])) return;
            (heap[parent], heap[i]) = (heap[i], heap[parent]);
            i = parent;
        }
    }

    private static void SiftDown(Span<TokenCandidate> heap, int i)
    {
        while (true)
        {
            var left = 2 * i + 1;
            if (left >= heap.Length) return;
            var worst = left;
            var right = left + 1;
            if (right < heap.Length && TokenCandidate.IsBetter(heap[left], heap[right])) worst = right;
            if (!TokenCandidate.IsBetter(heap[i], heap[worst])) return;
            (heap[i], heap[worst]) = (heap[worst], heap[i]);
            i = worst;
        }
    }

    /// <summary>Nucleus filter on candidates sorted best first: keep the shortest prefix whose softmax mass
    /// (at temperature 1, as in llama.cpp's chain) reaches <paramref name="p"/>; always at least one token.</summary>
    private int KeepTopP(ReadOnlySpan<TokenCandidate> sorted, float p)
    {
        var max = sorted[0].Logit;
        var total = 0.0;
        for (var i = 0; i < sorted.Length; i++)
        {
            _weights[i] = Weight(sorted[i].Logit, max, 1.0);
            total += _weights[i];
        }
        var target = p * total;
        var cumulative = 0.0;
        for (var i = 0; i < sorted.Length; i++)
        {
            cumulative += _weights[i];
            if (cumulative >= target) return i + 1;
        }
        return sorted.Length;
    }

    /// <summary>Keeps tokens whose probability is at least <paramref name="minP"/> times the top token's, i.e.
    /// logit ≥ max + ln(minP); compacts in place, preserving order.</summary>
    private static int KeepMinP(Span<TokenCandidate> candidates, float minP)
    {
        var threshold = MaxLogit(candidates) + MathF.Log(minP);
        var n = 0;
        for (var i = 0; i < candidates.Length; i++)
        {
            if (candidates[i].Logit >= threshold)
                candidates[n++] = candidates[i];
        }
        return n;
    }

    private static float MaxLogit(ReadOnlySpan<TokenCandidate> candidates)
    {
        var max = float.NegativeInfinity;
        foreach (ref readonly var c in candidates)
        {
            if (c.Logit > max) max = c.Logit;
        }
        return max;
    }

    /// <summary>exp((logit - max) / T), computed relative to the maximum so it cannot overflow. A +∞ logit
    /// (a model fault or an extreme bias sum) takes all the mass instead of turning the sums into NaN.</summary>
    private static double Weight(float logit, float max, double inverseTemperature)
    {
        if (float.IsPositiveInfinity(max)) return float.IsPositiveInfinity(logit) ? 1 : 0;
        return Math.Exp(((double)logit - max) * inverseTemperature);
    }
}
