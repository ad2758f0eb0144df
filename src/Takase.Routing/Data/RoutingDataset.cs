using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Takase.Routing.Data;

/// <summary>How a routing dataset is read.</summary>
public sealed record RoutingDatasetOptions
{
    /// <summary>The weaker (cheaper) model's name in <c>scores</c>; null: the one with the lower mean score.</summary>
    public string? Weak { get; init; }
    /// <summary>The stronger model's name in <c>scores</c>; null: the one with the higher mean score.</summary>
    public string? Strong { get; init; }
    /// <summary>How many bad lines one error message lists before it says "and N more".</summary>
    public int MaxReportedErrors { get; init; } = 20;
}

/// <summary>
/// Labelled prompts for training and evaluating a two-tier router, read from the JSONL format of
/// shared/data/routing: <c>{"id", "category"?, "prompt", "turns"?, "scores": {model: s, …}}</c> per line.
/// Names the weak and the strong model and derives RouteLLM's labels: "strong wins" (the strong model scored higher;
/// a tie means the weak one is enough) and the raw score gap.
/// </summary>
public sealed class RoutingDataset
{
    private RoutingDataset(string source, string weak, string strong, IReadOnlyList<RoutingExample> examples)
    {
        Source = source;
        Weak = weak;
        Strong = strong;
        Examples = examples;
        WeakScores = examples.Select(e => e.Scores[weak]).ToArray();
        StrongScores = examples.Select(e => e.Scores[strong]).ToArray();
    }

    /// <summary>Where the rows came from (a file name), for messages.</summary>
    public string Source { get; }
    /// <summary>The weaker model's name.</summary>
    public string Weak { get; }
    /// <summary>The stronger model's name.</summary>
    public string Strong { get; }
    /// <summary>The rows, in file order.</summary>
    public IReadOnlyList<RoutingExample> Examples { get; }
    /// <summary>The weak model's score per row.</summary>
    public IReadOnlyList<double> WeakScores { get; }
    /// <summary>The strong model's score per row.</summary>
    public IReadOnlyList<double> StrongScores { get; }
    /// <summary>Number of rows.</summary>
    public int Count => Examples.Count;

    /// <summary>RouteLLM's label: the strong model did strictly better on row <paramref name="i"/> (ties: weak is enough).</summary>
    public bool StrongWins(int i) => StrongScores[i] > WeakScores[i];

    /// <summary>Strong minus weak score on row <paramref name="i"/>: what calling the strong model gains there.</summary>
    public double Gap(int i) => StrongScores[i] - WeakScores[i];

    /// <summary>Mean score of the weak model (the quality of never routing to the strong one).</summary>
    public double WeakMean => WeakScores.Average();

    /// <summary>Mean score of the strong model (the quality of always routing to it).</summary>
    public double StrongMean => StrongScores.Average();

    /// <summary>The rows at <paramref name="indices"/>, with the same weak/strong pair.</summary>
    public RoutingDataset Subset(IEnumerable<int> indices) =>
        new(Source, Weak, Strong, indices.Select(i => Examples[i]).ToList());

    /// <summary>A dataset built in memory (tests, feedback logs); every row must score both models.</summary>
    public static RoutingDataset FromExamples(string source, string weak, string strong, IReadOnlyList<RoutingExample> examples)
    {
        var bad = examples.Where(e => !e.Scores.ContainsKey(weak) || !e.Scores.ContainsKey(strong)).Select(e => e.Id).ToList();
        if (bad.Count > 0) throw new RoutingDataException($"{source}: rows without a score for '{weak}' or '{strong}': {string.Join(", ", bad.Take(10))}");
        if (examples.Count == 0) throw new RoutingDataException($"{source}: no rows");
        return new RoutingDataset(source, weak, strong, examples);
    }

    /// <summary>Reads a JSONL file.</summary>
    /// <exception cref="RoutingDataException">the file has bad lines (all listed with their numbers, up to a limit) or no usable model pair.</exception>
    public static RoutingDataset Load(string path, RoutingDatasetOptions? options = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"routing data file {path} does not exist", path);
        using var reader = new StreamReader(path, Encoding.UTF8);
        return Parse(reader, Path.GetFileName(path), options);
    }

    /// <summary>Reads JSONL rows from <paramref name="reader"/>; <paramref name="source"/> names them in errors.</summary>
    /// <exception cref="RoutingDataException">bad lines or no usable model pair.</exception>
    public static RoutingDataset Parse(TextReader reader, string source, RoutingDatasetOptions? options = null)
    {
        options ??= new RoutingDatasetOptions();
        var errors = new List<string>();
        var rows = new List<RoutingExample>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var row = ParseLine(line, lineNumber, out var error);
            if (row is null) { errors.Add($"line {lineNumber}: {error}"); continue; }
            if (!ids.TryAdd(row.Id, lineNumber)) { errors.Add($"line {lineNumber}: id '{row.Id}' repeats line {ids[row.Id]}"); continue; }
            rows.Add(row);
        }

        string weak, strong;
        if (errors.Count == 0)
        {
            if (rows.Count == 0) throw new RoutingDataException($"{source}: no rows; expected one JSON object per line with \"id\", \"prompt\" and \"scores\"");
            (weak, strong) = NamePair(rows, options, source);
            foreach (var row in rows)
            {
                var missing = new[] { weak, strong }.Where(m => !row.Scores.ContainsKey(m)).ToList();
                if (missing.Count > 0) errors.Add($"line {row.Line}: no score for {string.Join(" and ", missing.Select(m => $"'{m}'"))}");
            }
        }
        else weak = strong = "";

        if (errors.Count > 0)
        {
            var text = new StringBuilder($"{source}: {errors.Count} bad line{(errors.Count == 1 ? "" : "s")}; fix or remove them:");
            foreach (var e in errors.Take(options.MaxReportedErrors)) text.Append("\n  ").Append(e);
            if (errors.Count > options.MaxReportedErrors) text.Append($"\n  … and {errors.Count - options.MaxReportedErrors} more");
            throw new RoutingDataException(text.ToString());
        }
        return new RoutingDataset(source, weak, strong, rows);
    }

    private static RoutingExample? ParseLine(string line, int number, out string error)
    {
        error = "";
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException e) { error = $"not valid JSON ({e.Message})"; return null; }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) { error = "not a JSON object"; return null; }
            var id = root.TryGetProperty("id", out var idElement) ? idElement.ValueKind switch
            {
                JsonValueKind.String => idElement.GetString(),
                JsonValueKind.Number => idElement.GetRawText(),
                _ => null,
            } : null;
            if (string.IsNullOrEmpty(id)) { error = "no \"id\" (a string or number)"; return null; }
            if (!root.TryGetProperty("prompt", out var promptElement) || promptElement.ValueKind != JsonValueKind.String
                || string.IsNullOrWhiteSpace(promptElement.GetString()))
            {
                error = $"id '{id}': no \"prompt\" text";
                return null;
            }
            if (!root.TryGetProperty("scores", out var scoresElement) || scoresElement.ValueKind != JsonValueKind.Object)
            {
                error = $"id '{id}': no \"scores\" object";
                return null;
            }
            var scores = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var p in scoresElement.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetDouble(out var s) || !double.IsFinite(s))
                {
                    error = $"id '{id}': score of '{p.Name}' is {p.Value.GetRawText()}, not a number";
                    return null;
                }
                scores[p.Name] = s;
            }
            if (scores.Count < 2) { error = $"id '{id}': \"scores\" needs at least two models, has {scores.Count}"; return null; }
            string? category = root.TryGetProperty("category", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            List<string>? turns = null;
            if (root.TryGetProperty("turns", out var t) && t.ValueKind == JsonValueKind.Array)
                turns = t.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList();
            return new RoutingExample(number, id, category, promptElement.GetString()!, turns, scores);
        }
    }

    private static (string Weak, string Strong) NamePair(List<RoutingExample> rows, RoutingDatasetOptions options, string source)
    {
        var names = rows.SelectMany(r => r.Scores.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        string Check(string name, string option) => names.Contains(name)
            ? name
            : throw new RoutingDataException($"{source}: {option} '{name}' is not scored in the file; models there: {string.Join(", ", names)}");

        if (options.Weak is { } w && options.Strong is { } s)
        {
            if (w == s) throw new RoutingDataException($"{source}: the weak and strong model are both '{w}'; name two different models");
            return (Check(w, "--weak"), Check(s, "--strong"));
        }
        var others = names.Where(n => n != options.Weak && n != options.Strong).ToList();
        if (options.Weak is not null || options.Strong is not null)
        {
            if (others.Count != 1)
                throw new RoutingDataException($"{source}: scores {names.Count} models ({string.Join(", ", names)}); name both --weak and --strong");
            return options.Weak is { } weakOnly ? (Check(weakOnly, "--weak"), others[0]) : (others[0], Check(options.Strong!, "--strong"));
        }
        if (names.Count != 2)
            throw new RoutingDataException($"{source}: scores {names.Count} models ({string.Join(", ", names)}); name the pair with --weak and --strong");
        double Mean(string m) => rows.Where(r => r.Scores.ContainsKey(m)).Average(r => r.Scores[m]);
        // The lower mean is the weak model; on an exact tie, the name order decides so the result is stable.
        return Mean(names[0]) <= Mean(names[1]) ? (names[0], names[1]) : (names[1], names[0]);
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Source}: {Count} prompts, weak {Weak} {WeakMean:0.###}, strong {Strong} {StrongMean:0.###}");
}
