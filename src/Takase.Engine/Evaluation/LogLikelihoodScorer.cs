using Takase.Engine.Models;

namespace Takase.Engine.Evaluation;

/// <summary>How likely a model finds one continuation of a context.</summary>
/// <param name="LogLikelihood">Σ log p(token | everything before it) over the continuation's tokens (natural log).</param>
/// <param name="TokenCount">How many tokens were scored.</param>
/// <param name="IsGreedy">Every scored token was the model's argmax at its position (lm-eval's <c>is_greedy</c>).</param>
public readonly record struct ContinuationScore(double LogLikelihood, int TokenCount, bool IsGreedy);

/// <summary>
/// Scores continuations of a context the way lm-evaluation-harness does: the tokens of <c>context + continuation</c>
/// after the tokens of <c>context</c> alone are the continuation's, and their log-probabilities are summed. The
/// context is evaluated once and its KV cache reused for every continuation.
/// </summary>
/// <remarks>
/// Tokenizing the whole text (not the continuation alone) keeps the tokens the model would really see where the two
/// parts meet. When the tokenizer merges across that boundary, the context's tokens and the whole text's share only a
/// shorter prefix; the continuation then starts where they first differ.
/// </remarks>
public sealed class LogLikelihoodScorer
{
    private readonly LanguageModel _model;
    private readonly ForwardState _state;
    private readonly float[] _contextLogits;

    /// <summary>A scorer with a KV cache of <paramref name="contextLength"/> positions (default: the model's).</summary>
    public LogLikelihoodScorer(LanguageModel model, int? contextLength = null)
    {
        _model = model;
        _state = model.Model.CreateState(model.Model.CreateCache(contextLength));
        _contextLogits = new float[model.Model.Config.VocabSize];
    }

    /// <summary>The KV cache's size in positions: the longest context + continuation this scorer takes.</summary>
    public int Capacity => _state.Cache.Capacity;

    /// <summary>Scores each of <paramref name="continuations"/> after <paramref name="context"/>.</summary>
    /// <exception cref="ArgumentException">the context is empty and the model adds no BOS, or a continuation adds no token.</exception>
    /// <exception cref="ContextOverflowException">context + continuation is longer than <see cref="Capacity"/>.</exception>
    public ContinuationScore[] Score(string context, IReadOnlyList<string> continuations)
    {
        var contextTokens = _model.TokenizePrompt(context);
        var wholes = new int[continuations.Count][];
        var splits = new int[continuations.Count];
        for (var c = 0; c < continuations.Count; c++)
        {
            wholes[c] = _model.TokenizePrompt(context + continuations[c]);
            splits[c] = CommonPrefix(contextTokens, wholes[c]);
            if (splits[c] == wholes[c].Length) throw new ArgumentException($"continuation \"{continuations[c]}\" adds no token to the context");
            if (splits[c] == 0) throw new ArgumentException("the context is empty and the model adds no BOS token, so the first token has nothing to be predicted from");
            if (wholes[c].Length > Capacity) throw new ContextOverflowException(Capacity, wholes[c].Length);
        }
        if (continuations.Count == 0) return [];

        // The prefix every continuation shares is evaluated once; its last logits predict each continuation's first token.
        var shared = splits.Min();
        var cache = _state.Cache;
        cache.Clear();
        for (var i = 0; i < shared; i++)
        {
            var logits = _model.Model.Forward(_state, contextTokens[i], computeLogits: i == shared - 1);
            if (i == shared - 1) logits.CopyTo(_contextLogits);
        }

        var scores = new ContinuationScore[continuations.Count];
        for (var c = 0; c < continuations.Count; c++)
        {
            cache.Truncate(shared);
            var whole = wholes[c];
            ReadOnlySpan<float> last = _contextLogits;
            double sum = 0;
            var greedy = true;
            for (var j = shared; j < whole.Length; j++)
            {
                if (j >= splits[c])
                {
                    sum += LogProbability(last, whole[j], out var isArgmax);
                    greedy &= isArgmax;
                }
                if (j < whole.Length - 1) last = _model.Model.Forward(_state, whole[j]);
            }
            scores[c] = new ContinuationScore(sum, whole.Length - splits[c], greedy);
        }
        return scores;
    }

    /// <summary>log softmax(<paramref name="logits"/>)[<paramref name="target"/>], in double so long sums stay exact enough.</summary>
    internal static double LogProbability(ReadOnlySpan<float> logits, int target, out bool isArgmax)
    {
        var max = float.NegativeInfinity;
        var argmax = 0;
        for (var i = 0; i < logits.Length; i++)
            if (logits[i] > max) { max = logits[i]; argmax = i; }
        double sum = 0;
        foreach (var l in logits) sum += Math.Exp(l - max);
        isArgmax = argmax == target || logits[target] == max;
        return logits[target] - max - Math.Log(sum);
    }

    private static int CommonPrefix(int[] a, int[] b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
        return n;
    }
}
