using Takase.Engine.Evaluation;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Evaluation;

/// <summary>Choices, acc and acc_norm from the evaluator equal what the test works out from its own forward passes.</summary>
public class MultipleChoiceEvaluatorTests
{
    private static readonly (string Question, string[] Choices, string Category)[] Questions =
    [
        ("What did Lily see in the park?", ["a big red ball", "a cat", "the sun", "a tree", "her mom"], "story"),
        ("Who loved to play outside?", ["Lily", "the dog", "a bird", "Tom", "nobody at all"], "story"),
        ("What color was the ball?", ["red", "blue", "green", "yellow", "purple"], "colors"),
        ("Where is the sun?", ["in the sky", "in the box", "under the bed", "in the water", "on the car"], "colors"),
    ];

    [Fact]
    public void PicksAndAccuraciesEqualIndependentLogLikelihoods()
    {
        using var lm = LanguageModel.Load(SharedData.Path("models/stories260K.gguf"));
        var prompt = new EvalPrompt();
        // Answers are always choice 0: what the model gets right is then decided by its own numbers.
        var items = Questions.Select((q, i) => new ChoiceItem(i + 1, q.Question, q.Choices, 0, q.Category)).ToList();
        var report = MultipleChoiceEvaluator.Run(lm, items, prompt, LengthUnit.Characters, 128);

        int correct = 0, correctNorm = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var context = $"Question: {items[i].Question}\nAnswer:";
            var lls = items[i].Choices.Select(c => ReferenceScoring.Continuation(lm, context, " " + c)).ToArray();
            var norm = lls.Select((ll, c) => ll / items[i].Choices[c].Length).ToArray();
            var pick = Array.IndexOf(lls, lls.Max());
            var pickNorm = Array.IndexOf(norm, norm.Max());
            var r = report.Items[i];
            for (var c = 0; c < lls.Length; c++) Assert.Equal(lls[c], r.Scores[c].LogLikelihood, 1e-4);
            Assert.Equal(pick, r.Predicted);
            Assert.Equal(pickNorm, r.PredictedNormalized);
            correct += pick == 0 ? 1 : 0;
            correctNorm += pickNorm == 0 ? 1 : 0;
        }
        Assert.Equal(new AccuracyStat(correct, items.Count), report.Accuracy);
        Assert.Equal(new AccuracyStat(correctNorm, items.Count), report.AccuracyNormalized);
        Assert.Equal(["colors", "story"], report.ByCategory.Select(c => c.Category));
        Assert.Equal(items.Count, report.ByCategory.Sum(c => c.Accuracy.Total));
    }

    [Fact]
    public void ADatasetOfTheModelsOwnPicksScoresOne()
    {
        using var lm = LanguageModel.Load(SharedData.Path("models/stories260K.gguf"));
        var items = Questions.Select((q, i) =>
        {
            var lls = q.Choices.Select(c => ReferenceScoring.Continuation(lm, $"Question: {q.Question}\nAnswer:", " " + c)).ToArray();
            return new ChoiceItem(i + 1, q.Question, q.Choices, Array.IndexOf(lls, lls.Max()), q.Category);
        }).ToList();
        var report = MultipleChoiceEvaluator.Run(lm, items, new EvalPrompt(), LengthUnit.Bytes, 128);
        Assert.Equal(1.0, report.Accuracy.Accuracy);
        Assert.Equal(items.Count, report.Accuracy.Correct);
    }

    [Theory]
    [InlineData("桜", LengthUnit.Characters, 1)]
    [InlineData("桜", LengthUnit.Bytes, 3)]
    [InlineData("🌸 flower", LengthUnit.Characters, 8)] // an emoji outside the BMP is one character, as Python's len
    [InlineData("🌸 flower", LengthUnit.Bytes, 11)]
    public void ChoiceLengthCountsCharactersOrBytes(string choice, LengthUnit unit, int expected) =>
        Assert.Equal(expected, MultipleChoiceEvaluator.Length(choice, unit));
}
