using Takase.Engine.Evaluation;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Evaluation;

/// <summary>
/// The scorer reuses the context's KV cache across choices; its sums must equal a plain forward pass over each whole
/// sequence, on the real stories260K model.
/// </summary>
public class LogLikelihoodScorerTests
{
    private static LanguageModel Stories() => LanguageModel.Load(SharedData.Path("models/stories260K.gguf"));

    [Fact]
    public void EachChoiceEqualsAFullForwardPassOverContextAndChoice()
    {
        using var lm = Stories();
        const string context = "Question: Where did Lily play?\nAnswer:";
        string[] choices = [" in the park", " with a big red ball", " at home", " outside in the sun with her mom"];
        var scores = new LogLikelihoodScorer(lm, 128).Score(context, choices);
        for (var i = 0; i < choices.Length; i++)
        {
            var expected = ReferenceScoring.Continuation(lm, context, choices[i]);
            Assert.Equal(expected, scores[i].LogLikelihood, 1e-4);
            Assert.True(scores[i].LogLikelihood < 0);
            var whole = lm.TokenizePrompt(context + choices[i]);
            Assert.Equal(whole.Length - lm.TokenizePrompt(context).Length, scores[i].TokenCount);
        }
    }

    [Fact]
    public void GreedyContinuationIsMarkedGreedy()
    {
        using var lm = Stories();
        // The model's own greedy continuation of this prompt (llama.cpp's golden run) is greedy token by token.
        var scores = new LogLikelihoodScorer(lm, 64).Score("Once upon a time", [", there was a little girl", ", there was a big dog"]);
        Assert.True(scores[0].IsGreedy);
        Assert.False(scores[1].IsGreedy);
    }

    [Fact]
    public void TooLongForTheCacheIsAnOverflowNotAWrongAnswer()
    {
        using var lm = Stories();
        var scorer = new LogLikelihoodScorer(lm, 8);
        Assert.Throws<Takase.Engine.Models.ContextOverflowException>(() => scorer.Score("Once upon a time there was a girl", [" named Lily who loved to play"]));
    }
}
