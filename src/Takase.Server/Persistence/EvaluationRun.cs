namespace Takase.Server.Persistence;

/// <summary>
/// One model's evaluation on one dataset (<c>takase eval --save</c>): accuracy with its 95 % interval, per-category
/// rows, or perplexity. Runs with a <see cref="Target"/> become the router's priors for that target.
/// </summary>
public sealed record EvaluationRun
{
    /// <summary>"ev_…", given by the store.</summary>
    public string Id { get; init; } = "";
    /// <summary>When the run was stored.</summary>
    public DateTimeOffset Created { get; init; }
    /// <summary>The model as evaluated (a file path or a model name).</summary>
    public required string Model { get; init; }
    /// <summary>The router target the model stands for, or null.</summary>
    public string? Target { get; init; }
    /// <summary>The dataset's name ("jcommonsenseqa-sample").</summary>
    public required string Dataset { get; init; }
    /// <summary>SHA-256 of the dataset file (hex), so runs on different versions of a dataset are told apart.</summary>
    public string? DatasetSha256 { get; init; }
    /// <summary>"choice", "generate" or "perplexity".</summary>
    public required string Mode { get; init; }
    /// <summary>Items evaluated (perplexity: tokens scored).</summary>
    public int N { get; init; }
    /// <summary>Accuracy (choice: acc; generate: exact match), null for perplexity.</summary>
    public double? Accuracy { get; init; }
    /// <summary>Low end of the accuracy's 95 % interval.</summary>
    public double? AccuracyLow { get; init; }
    /// <summary>High end of the accuracy's 95 % interval.</summary>
    public double? AccuracyHigh { get; init; }
    /// <summary>Length-normalised accuracy (choice only).</summary>
    public double? AccNorm { get; init; }
    /// <summary>Perplexity (perplexity only).</summary>
    public double? Perplexity { get; init; }
    /// <summary>How long the run took, when known.</summary>
    public long? DurationMs { get; init; }
    /// <summary>The options the run used, as JSON (template, unit, max tokens, ctx…), or null.</summary>
    public string? Options { get; init; }
    /// <summary>Per-category results, in the dataset's order.</summary>
    public IReadOnlyList<EvaluationCategory> Categories { get; init; } = [];

    /// <summary>The modes a run can have.</summary>
    public static readonly string[] Modes = ["choice", "generate", "perplexity"];
}

/// <summary>One category of an evaluation run.</summary>
/// <param name="Category">The category's name.</param>
/// <param name="N">Items in it.</param>
/// <param name="Correct">Items answered right.</param>
/// <param name="Accuracy">Correct / N.</param>
/// <param name="AccuracyLow">Low end of the 95 % interval.</param>
/// <param name="AccuracyHigh">High end of the 95 % interval.</param>
/// <param name="Centroid">Mean hashed n-gram vector of its questions (Takase.Routing.Priors.CategoryCentroids), or null.</param>
public sealed record EvaluationCategory(string Category, int N, int Correct, double Accuracy, double AccuracyLow, double AccuracyHigh, float[]? Centroid = null);

/// <summary>
/// One cross-validated router evaluation (<c>takase router eval --save</c>): APGR, CPT at 20/50/80 % and the curve of
/// quality and cost against the share of strong calls.
/// </summary>
public sealed record RouterEvaluationRun
{
    /// <summary>"rev_…", given by the store.</summary>
    public string Id { get; init; } = "";
    /// <summary>When the run was stored.</summary>
    public DateTimeOffset Created { get; init; }
    /// <summary>The router profile it was run for, or null.</summary>
    public string? Profile { get; init; }
    /// <summary>The strategy evaluated ("ngram", "mf", "similarity").</summary>
    public required string Strategy { get; init; }
    /// <summary>The labelled data's name.</summary>
    public required string Dataset { get; init; }
    /// <summary>Average performance gap recovered.</summary>
    public double Apgr { get; init; }
    /// <summary>Share of strong calls needed for 20/50/80 % of the gap (null where never reached), keyed by percent.</summary>
    public IReadOnlyDictionary<int, double?> Cpt { get; init; } = new Dictionary<int, double?>();
    /// <summary>The quality–cost curve, by share of strong calls.</summary>
    public IReadOnlyList<RouterCurvePoint> Curve { get; init; } = [];
}

/// <summary>A point of a router's curve.</summary>
/// <param name="StrongShare">Share of calls sent to the strong model (0..1).</param>
/// <param name="Quality">Mean quality at that share.</param>
/// <param name="Cost">Cost at that share, relative to sending every call to the strong model.</param>
public sealed record RouterCurvePoint(double StrongShare, double Quality, double Cost);
