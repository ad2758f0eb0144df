namespace Takase.Engine.Tests.Evaluation;

/// <summary>
/// The test's own log-likelihoods, computed the plainest way: one fresh cache, the whole sequence forwarded from its
/// first token, log-softmax of each target worked out here. Nothing of the evaluation code is used.
/// </summary>
internal static class ReferenceScoring
{
    /// <summary>Σ log p(tokens[j] | tokens[..j]) for j in [from, tokens.Length).</summary>
    public static double LogLikelihood(LanguageModel lm, int[] tokens, int from)
    {
        var state = lm.Model.CreateState(lm.Model.CreateCache(tokens.Length));
        double sum = 0;
        for (var j = 0; j < tokens.Length - 1; j++)
        {
            var logits = lm.Model.Forward(state, tokens[j]).ToArray();
            if (j + 1 >= from) sum += LogSoftmax(logits, tokens[j + 1]);
        }
        return sum;
    }

    /// <summary>The log-likelihood of <paramref name="continuation"/> after <paramref name="context"/>, split as lm-eval splits.</summary>
    public static double Continuation(LanguageModel lm, string context, string continuation)
    {
        var ctx = lm.TokenizePrompt(context);
        var whole = lm.TokenizePrompt(context + continuation);
        var split = 0;
        while (split < ctx.Length && ctx[split] == whole[split]) split++;
        return LogLikelihood(lm, whole, split);
    }

    public static double LogSoftmax(float[] logits, int target)
    {
        var max = logits.Max();
        var z = logits.Sum(l => Math.Exp(l - (double)max));
        return logits[target] - max - Math.Log(z);
    }
}
