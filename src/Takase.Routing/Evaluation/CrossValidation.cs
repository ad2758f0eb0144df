using Takase.Routing.Data;
using Takase.Routing.Learned;

namespace Takase.Routing.Evaluation;

/// <summary>
/// Out-of-fold scores: each prompt is scored by a router trained on the other folds only, so every score is what the
/// router would say about a prompt it has never seen — the honest input for the performance curve and calibration.
/// </summary>
public static class CrossValidation
{
    /// <summary>
    /// Trains <paramref name="folds"/> routers of <paramref name="options"/>' strategy (folds shuffled with
    /// <paramref name="seed"/>) and returns each prompt's score from the router that did not see it, in dataset order.
    /// </summary>
    public static double[] OutOfFoldScores(RoutingDataset data, RouterTrainingOptions options, int folds, int seed) =>
        OutOfFoldScores(RouterTraining.Prepare(data, options), folds, seed);

    internal static double[] OutOfFoldScores(RouterTraining.PreparedData prepared, int folds, int seed)
    {
        var assignment = KFold.Assign(prepared.Data.Count, folds, seed);
        var scores = new double[prepared.Data.Count];
        for (var f = 0; f < folds; f++)
        {
            var (train, test) = KFold.Split(assignment, f);
            var model = prepared.Fit(train);
            foreach (var row in test) scores[row] = prepared.ScoreRow(model, row);
        }
        return scores;
    }
}
