using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Takase.Server.Persistence;

namespace Takase.Server.Evaluations;

/// <summary>GET /api/evaluations: the stored runs, newest first.</summary>
/// <param name="Evaluations">The runs.</param>
public sealed record EvaluationList([property: JsonPropertyName("evaluations")] IReadOnlyList<EvaluationJson> Evaluations);

/// <summary>One evaluation run on the wire (null where a value does not apply: accuracy for perplexity runs and back).</summary>
public sealed record EvaluationJson(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("target")] string? Target,
    [property: JsonPropertyName("dataset")] string Dataset,
    [property: JsonPropertyName("dataset_sha256")] string? DatasetSha256,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("n")] int N,
    [property: JsonPropertyName("accuracy")] double? Accuracy,
    [property: JsonPropertyName("accuracy_low")] double? AccuracyLow,
    [property: JsonPropertyName("accuracy_high")] double? AccuracyHigh,
    [property: JsonPropertyName("acc_norm")] double? AccNorm,
    [property: JsonPropertyName("perplexity")] double? Perplexity,
    [property: JsonPropertyName("duration_ms")] long? DurationMs,
    [property: JsonPropertyName("categories")] IReadOnlyList<EvaluationCategoryJson> Categories)
{
    /// <summary>The wire form of a stored run.</summary>
    public static EvaluationJson From(EvaluationRun r) => new(r.Id, r.Created, r.Model, r.Target, r.Dataset, r.DatasetSha256, r.Mode, r.N,
        r.Accuracy, r.AccuracyLow, r.AccuracyHigh, r.AccNorm, r.Perplexity, r.DurationMs,
        r.Categories.Select(c => new EvaluationCategoryJson(c.Category, c.N, c.Correct, c.Accuracy, c.AccuracyLow, c.AccuracyHigh)).ToList());
}

/// <summary>One category of a run on the wire.</summary>
public sealed record EvaluationCategoryJson(
    [property: JsonPropertyName("category")] string Category,
    [property: JsonPropertyName("n")] int N,
    [property: JsonPropertyName("correct")] int Correct,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("accuracy_low")] double AccuracyLow,
    [property: JsonPropertyName("accuracy_high")] double AccuracyHigh);

/// <summary>GET /api/router/evaluations: the stored router evaluations, newest first.</summary>
/// <param name="Evaluations">The runs.</param>
public sealed record RouterEvaluationList([property: JsonPropertyName("evaluations")] IReadOnlyList<RouterEvaluationJson> Evaluations);

/// <summary>One router evaluation on the wire; <c>cpt</c> is keyed by percent ("20", "50", "80"), null where never reached.</summary>
public sealed record RouterEvaluationJson(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("profile")] string? Profile,
    [property: JsonPropertyName("strategy")] string Strategy,
    [property: JsonPropertyName("dataset")] string Dataset,
    [property: JsonPropertyName("apgr")] double Apgr,
    [property: JsonPropertyName("cpt")] IReadOnlyDictionary<string, double?> Cpt,
    [property: JsonPropertyName("curve")] IReadOnlyList<RouterCurvePointJson> Curve)
{
    /// <summary>The wire form of a stored run.</summary>
    public static RouterEvaluationJson From(RouterEvaluationRun r) => new(r.Id, r.Created, r.Profile, r.Strategy, r.Dataset, r.Apgr,
        new[] { 20, 50, 80 }.ToDictionary(p => p.ToString(CultureInfo.InvariantCulture), p => r.Cpt.GetValueOrDefault(p)),
        r.Curve.Select(p => new RouterCurvePointJson(p.StrongShare, p.Quality, p.Cost)).ToList());
}

/// <summary>A point of a router's curve on the wire.</summary>
public sealed record RouterCurvePointJson(
    [property: JsonPropertyName("strong_share")] double StrongShare,
    [property: JsonPropertyName("quality")] double Quality,
    [property: JsonPropertyName("cost")] double Cost);

/// <summary>
/// Reads the POST bodies: one model's result as <c>takase eval --json</c> prints it (an entry of "results" with the
/// document's "dataset" and "mode" beside it), plus "target", "dataset_sha256", "duration_ms" and, per category, a
/// "centroid"; and <c>takase router eval --json</c>'s document plus "profile". Every problem names its field.
/// </summary>
public static class EvaluationBodies
{
    /// <summary>The options of a run that are kept with it when the body has no "options" object.</summary>
    private static readonly string[] OptionKeys = ["template", "acc_norm_unit", "max_tokens", "ctx", "stride"];

    /// <summary>Serializer settings of the evaluation routes: names as written, nulls kept.</summary>
    public static JsonSerializerOptions Json { get; } = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>An evaluation run from a POST /api/evaluations body.</summary>
    /// <exception cref="ArgumentException">a field is missing or of the wrong kind (named).</exception>
    public static EvaluationRun Run(JsonObject body)
    {
        if (body["ok"] is JsonValue ok && ok.TryGetValue<bool>(out var succeeded) && !succeeded)
            throw new ArgumentException($"this result is a failed run ({Text(body, "error") ?? "no error given"}); there is nothing to store");
        var mode = Required(body, "mode") switch
        {
            "multiple_choice" or "choice" => "choice",
            "generative" or "generate" => "generate",
            "perplexity" => "perplexity",
            var other => throw new ArgumentException($"\"mode\" is '{other}'; expected multiple_choice (choice), generative (generate) or perplexity"),
        };
        var stat = mode == "choice" ? "acc" : "exact_match";
        var accuracy = mode == "perplexity" ? null : body[stat] as JsonObject ?? throw new ArgumentException($"a {mode} result needs \"{stat}\" (an object with value, ci95_low, ci95_high)");
        var sha = Text(body, "dataset_sha256");
        if (sha is not null && (sha.Length != 64 || !sha.All(Uri.IsHexDigit)))
            throw new ArgumentException($"\"dataset_sha256\" must be 64 hex digits, not '{sha}'");
        var items = Number(body, "items") ?? (accuracy is null ? null : Number(accuracy, "total"));
        var duration = Number(body, "duration_ms") ?? (items is { } n && Number(body, "items_per_second") is > 0 and var rate ? n / rate * 1000 : null);
        return new EvaluationRun
        {
            Model = Required(body, "model"),
            Target = Text(body, "target"),
            Dataset = DatasetName(Required(body, "dataset")),
            DatasetSha256 = sha?.ToLowerInvariant(),
            Mode = mode,
            N = (int)(mode == "perplexity" ? Number(body, "scored_tokens") ?? 0 : items ?? 0),
            Accuracy = accuracy is null ? null : Number(accuracy, "value") ?? throw new ArgumentException($"\"{stat}.value\" is missing"),
            AccuracyLow = accuracy is null ? null : Number(accuracy, "ci95_low"),
            AccuracyHigh = accuracy is null ? null : Number(accuracy, "ci95_high"),
            AccNorm = mode == "choice" && body["acc_norm"] is JsonObject norm ? Number(norm, "value") : null,
            Perplexity = mode == "perplexity" ? Number(body, "perplexity") ?? throw new ArgumentException("a perplexity result needs \"perplexity\"") : null,
            DurationMs = duration is { } d ? (long)Math.Round(d) : null,
            Options = body["options"] is JsonObject options ? options.ToJsonString()
                : new JsonObject(OptionKeys.Where(k => body[k] is not null).Select(k => KeyValuePair.Create(k, (JsonNode?)body[k]!.DeepClone()))) is { Count: > 0 } kept
                    ? kept.ToJsonString() : null,
            Categories = (body["categories"] as JsonArray ?? []).Select((node, i) => Category(node as JsonObject
                ?? throw new ArgumentException($"\"categories[{i}]\" is not an object"), stat, i)).ToList(),
        };
    }

    /// <summary>A router evaluation from a POST /api/router/evaluations body.</summary>
    /// <exception cref="ArgumentException">a field is missing or of the wrong kind (named).</exception>
    public static RouterEvaluationRun RouterRun(JsonObject body)
    {
        var cpt = body["cpt"] as JsonObject ?? throw new ArgumentException("\"cpt\" is missing (an object keyed by percent: {\"20\": x, \"50\": x, \"80\": x})");
        return new RouterEvaluationRun
        {
            Profile = Text(body, "profile"),
            Strategy = Required(body, "strategy"),
            Dataset = DatasetName(Text(body, "dataset") ?? Text(body, "data") ?? throw new ArgumentException("\"dataset\" (or \"data\", as router eval --json names it) is missing")),
            Apgr = Number(body, "apgr") ?? throw new ArgumentException("\"apgr\" is missing"),
            Cpt = cpt.ToDictionary(
                p => int.TryParse(p.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var level) ? level : throw new ArgumentException($"\"cpt\" has key '{p.Key}'; keys are percents (20, 50, 80)"),
                p => Number(cpt, p.Key)),
            // Without target prices the cost is relative: the strong model's share of calls, the weak one counted as free.
            Curve = (body["curve"] as JsonArray ?? throw new ArgumentException("\"curve\" is missing")).Select((node, i) =>
            {
                var point = node as JsonObject ?? throw new ArgumentException($"\"curve[{i}]\" is not an object");
                var share = Number(point, "strong_share") ?? throw new ArgumentException($"\"curve[{i}].strong_share\" is missing");
                return new RouterCurvePoint(share, Number(point, "quality") ?? throw new ArgumentException($"\"curve[{i}].quality\" is missing"),
                    Number(point, "cost") ?? share);
            }).ToList(),
        };
    }

    /// <summary>"datasets/gsm8k-sample.jsonl" → "gsm8k-sample": runs name datasets, not where a file happened to be.</summary>
    public static string DatasetName(string dataset) =>
        dataset.Contains('/') || dataset.Contains('\\') || dataset.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || dataset.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? Path.GetFileNameWithoutExtension(dataset.Replace('\\', '/')) : dataset;

    private static EvaluationCategory Category(JsonObject node, string stat, int i)
    {
        var at = $"categories[{i}]";
        var s = node[stat] as JsonObject ?? throw new ArgumentException($"\"{at}.{stat}\" is missing");
        float[]? centroid = null;
        if (node["centroid"] is JsonArray vector)
            centroid = vector.Select((x, j) => x is JsonValue v && v.TryGetValue<double>(out var d) ? (float)d
                : throw new ArgumentException($"\"{at}.centroid[{j}]\" is not a number")).ToArray();
        return new EvaluationCategory(
            Required(node, "category", at),
            (int)(Number(s, "total") ?? throw new ArgumentException($"\"{at}.{stat}.total\" is missing")),
            (int)(Number(s, "correct") ?? throw new ArgumentException($"\"{at}.{stat}.correct\" is missing")),
            Number(s, "value") ?? throw new ArgumentException($"\"{at}.{stat}.value\" is missing"),
            Number(s, "ci95_low") ?? throw new ArgumentException($"\"{at}.{stat}.ci95_low\" is missing"),
            Number(s, "ci95_high") ?? throw new ArgumentException($"\"{at}.{stat}.ci95_high\" is missing"),
            centroid);
    }

    private static string Required(JsonObject o, string key, string? at = null) =>
        Text(o, key) is { Length: > 0 } s ? s : throw new ArgumentException($"\"{(at is null ? key : $"{at}.{key}")}\" is missing");

    private static string? Text(JsonObject o, string key) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw new ArgumentException($"\"{key}\" must be a string"),
    };

    private static double? Number(JsonObject o, string key) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        _ => throw new ArgumentException($"\"{key}\" must be a number"),
    };
}
