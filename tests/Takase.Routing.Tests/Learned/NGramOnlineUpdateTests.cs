using Takase.Routing.Data;
using Takase.Routing.Learned;
using Takase.Routing.Learned.NGram;

namespace Takase.Routing.Tests.Learned;

public class NGramOnlineUpdateTests
{
    [Fact]
    public void FeedbackThatTheStrongModelWasNeededFlipsAFamilyOfPromptsAndItsContributions()
    {
        // Trained on data where the keyword needs the strong model; then "証明せよ" prompts are judged weak-enough and
        // "写真撮影" prompts (trained as weak-enough) are judged as needing the strong one.
        var (train, _) = PlantedData.Make(200, seed: 1);
        var trained = NGramTrainer.Train(train);
        var (fresh, _) = PlantedData.Make(40, seed: 3);
        var neutralPrompts = fresh.Examples.Where(e => e.Prompt.Contains("写真撮影")).Select(e => e.Prompt).ToList();
        var probe = neutralPrompts[0];
        var before = trained.Score(probe);
        Assert.True(before.StrongNeed < 0.5, $"the trained model already sends '{probe}' to the strong model ({before.StrongNeed})");

        var live = new LiveRoutingModel(trained);
        var feedback = neutralPrompts.Skip(1).Take(10).Select(p => new OnlineExample(p, 1)).ToList();
        for (var round = 0; round < 3 && live.Score(probe).StrongNeed < 0.5; round++)
            live.Update(feedback, new OnlineUpdateOptions { LearningRate = 0.5 });

        var after = live.Score(probe);
        Assert.True(after.StrongNeed > 0.5, $"after feedback '{probe}' still scores {after.StrongNeed}");
        Assert.NotSame(trained, live.Current);
        Assert.Equal(before.StrongNeed, trained.Score(probe).StrongNeed); // the trained model itself is untouched
        // The explanation reflects it: the n-grams on "写真撮影" weigh more towards the strong model, and the new logit
        // is still exactly the bias plus the contributions.
        var at = probe.IndexOf("写真撮影", StringComparison.Ordinal);
        bool OnWord(Takase.Routing.Decisions.Contribution c) => c.Start >= 0 && c.Start < at + 4 && c.Start + c.Length > at;
        var explained = live.Current.Explain(probe);
        var wordBefore = trained.Explain(probe).Contributions.Where(OnWord).Sum(c => c.Weight);
        var wordAfter = explained.Contributions.Where(OnWord).Sum(c => c.Weight);
        Assert.True(wordAfter > wordBefore + 0.1, $"n-grams on 写真撮影 add {wordBefore} before and {wordAfter} after");
        Assert.Equal(explained.Logit, explained.Bias + explained.Contributions.Sum(c => c.Weight), 1e-9);
        Assert.Equal(after.StrongNeed, explained.StrongNeed, 1e-12);
        // Calibration is carried over, so the profile's threshold stays put.
        Assert.Equal(trained.CalibrationScores, live.Current.CalibrationScores);
    }

    [Fact]
    public void AStepIsExactlyOneGradientStepOfTheTrainingLoss()
    {
        // Without statistics and with no bucket collisions a prompt's features have ‖x‖² = 1, so one step on label y
        // moves the logit from z to shrink·(z − b) + b − rate·(σ(z) − y)·(1 + 1), shrink = 1 − rate·L2 (bias unpenalised).
        var (train, _) = PlantedData.Make(60, seed: 5);
        var options = new NGramOptions { Statistics = false, MaxIterations = 50, L2 = 1e-2 };
        var model = NGramTrainer.Train(train, options);
        const string prompt = "please write 証明せよ today";
        var before = model.Explain(prompt);
        const double rate = 0.05;
        var updated = NGramOnlineUpdate.Apply(model, [new OnlineExample(prompt, 0)], new OnlineUpdateOptions { LearningRate = rate });

        var shrink = 1 - rate * options.L2;
        var expected = shrink * (before.Logit - model.Bias) + model.Bias - rate * before.StrongNeed * 2;
        Assert.Equal(expected, updated.Explain(prompt).Logit, 1e-9);
        Assert.Equal(model.Bias - rate * before.StrongNeed, updated.Bias, 1e-12);
    }

    [Fact]
    public void BadLabelsAreRefusedWithThePrompt()
    {
        var (train, _) = PlantedData.Make(40, seed: 6);
        var model = NGramTrainer.Train(train, new NGramOptions { Buckets = 1 << 10, MaxIterations = 20 });
        var e = Assert.Throws<ArgumentException>(() => NGramOnlineUpdate.Apply(model, [new OnlineExample("hello", 2)]));
        Assert.Contains("hello", e.Message);
    }
}
