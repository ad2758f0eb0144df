using Takase.Routing.Decisions;

namespace Takase.Routing.Learned;

/// <summary>
/// What every trained router shares: the model pair it was trained for, the calibration scores that turn a wanted
/// share of strong calls into a threshold, and a summary of its training. Saved and loaded by
/// <see cref="RoutingModelFile"/>.
/// </summary>
public abstract class TrainedRoutingModel : IRoutingModel
{
    private double[] _calibration = [];

    /// <summary>Sets the model pair and the training summary.</summary>
    protected TrainedRoutingModel(string weak, string strong, TrainingSummary training)
    {
        Weak = weak;
        Strong = strong;
        Training = training;
    }

    /// <inheritdoc />
    public abstract string Kind { get; }
    /// <summary>The weaker model's name in the training data.</summary>
    public string Weak { get; }
    /// <summary>The stronger model's name in the training data.</summary>
    public string Strong { get; }
    /// <summary>How the model was trained.</summary>
    public TrainingSummary Training { get; internal set; }

    /// <summary>
    /// Scores of prompts like those the model will see, ascending (out-of-fold scores of the training prompts, so
    /// they are as spread as scores of new prompts, not as confident as in-sample ones).
    /// </summary>
    public IReadOnlyList<double> CalibrationScores
    {
        get => _calibration;
        set
        {
            var sorted = value.ToArray();
            Array.Sort(sorted);
            _calibration = sorted;
        }
    }

    /// <inheritdoc />
    public abstract RoutingScore Score(string prompt);

    /// <inheritdoc />
    public double ThresholdForStrongShare(double share) => StrongShareCalibration.Threshold(_calibration, share);
}

/// <summary>How a router was trained, kept in its file for the operator.</summary>
/// <param name="Source">The training data's file name.</param>
/// <param name="Examples">Number of training prompts.</param>
/// <param name="StrongWinRate">Share of training prompts where the strong model did strictly better.</param>
/// <param name="WeakMean">Mean score of the weak model on them.</param>
/// <param name="StrongMean">Mean score of the strong model on them.</param>
/// <param name="CalibrationFolds">Folds of the out-of-fold calibration scores (0: in-sample scores).</param>
/// <param name="Iterations">Optimiser iterations or epochs.</param>
/// <param name="FinalLoss">The training objective at the end.</param>
public sealed record TrainingSummary(
    string Source,
    int Examples,
    double StrongWinRate,
    double WeakMean,
    double StrongMean,
    int CalibrationFolds,
    int Iterations,
    double FinalLoss);
