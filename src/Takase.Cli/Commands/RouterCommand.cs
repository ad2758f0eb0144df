using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Takase.Routing.Data;
using Takase.Routing.Evaluation;
using Takase.Routing.Learned;
using Takase.Routing.Learned.Embeddings;
using Takase.Routing.Profiles;

namespace Takase.Cli.Commands;

/// <summary>
/// <c>takase router train DATA.jsonl</c> and <c>takase router eval DATA.jsonl</c>: fit a learned router (n-gram, matrix
/// factorisation or similarity) on prompts labelled with two models' scores, and measure one by k-fold
/// cross-validation with RouteLLM's metrics (APGR, CPT) and the decision latency.
/// </summary>
/// <remarks>
/// <c>train --feedback</c> adds the stored feedback of a running server (<c>--server</c>, else TAKASE_HOST) to the
/// data, or trains on it alone (then name the targets with --weak and --strong).
/// <c>--profile P</c> writes the router to the profile's <c>ModelPath</c> from configuration
/// (<c>Takase:Router:Profiles:P:ModelPath</c> in ./appsettings.json or <c>TAKASE__Router__Profiles__P__ModelPath</c>;
/// a relative path is under the models folder); <c>--out</c> overrides it.
/// </remarks>
internal static class RouterCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var command = new Command("router", "Train and evaluate learned routers (which prompts need the strong model).");
        command.Subcommands.Add(Train());
        command.Subcommands.Add(Eval());
        return command;
    }

    /// <summary>
    /// The prompt tokens a local embedding model reads by default: enough for what a request asks (its start), few
    /// enough that the decision stays within a routing latency budget on a small CPU.
    /// </summary>
    private const int DefaultEmbeddingTokens = 256;

    private sealed record Common(
        Argument<FileInfo> Data, Option<string> Strategy, Option<string?> Weak, Option<string?> Strong,
        Option<string> Embeddings, Option<string?> EmbeddingModel, Option<int> EmbeddingMaxTokens, Option<int> Seed);

    private static Common AddCommon(Command command)
    {
        var common = new Common(
            new Argument<FileInfo>("data") { Description = "Labelled prompts, one JSON object per line: {\"id\", \"prompt\", \"scores\": {model: score}}." },
            new Option<string>("--strategy") { Description = "ngram (default), mf (matrix factorisation) or similarity.", DefaultValueFactory = _ => "ngram" },
            new Option<string?>("--weak") { Description = "The weak model's name in \"scores\" (default: the lower mean)." },
            new Option<string?>("--strong") { Description = "The strong model's name in \"scores\" (default: the higher mean)." },
            new Option<string>("--embeddings") { Description = "For mf/similarity: hashed (default, no model), a GGUF file, or an OpenAI-compatible base URL (http…/v1).", DefaultValueFactory = _ => "hashed" },
            new Option<string?>("--embedding-model") { Description = "The model id for a remote embeddings URL." },
            new Option<int>("--embedding-max-tokens")
            {
                Description = "For a GGUF embedding model: embed each prompt's first N tokens (a routing decision's latency budget; 0: the model's whole context).",
                DefaultValueFactory = _ => DefaultEmbeddingTokens,
            },
            new Option<int>("--seed") { Description = "Seed of the fold shuffles and initial weights.", DefaultValueFactory = _ => 17 });
        command.Arguments.Add(common.Data);
        foreach (var o in new Option[] { common.Strategy, common.Weak, common.Strong, common.Embeddings, common.EmbeddingModel, common.EmbeddingMaxTokens, common.Seed })
            command.Options.Add(o);
        return common;
    }

    private static Command Train()
    {
        var command = new Command("train", "Train a router on labelled prompts and calibrate it.");
        var common = AddCommon(command);
        var output = new Option<FileInfo?>("--out") { Description = "Where to write the router (default: the profile's ModelPath, else router.json)." };
        var profile = new Option<string?>("--profile") { Description = "The router profile whose ModelPath (from configuration) receives the router." };
        var share = new Option<double?>("--strong-share") { Description = "Print the threshold that sends this share (0..1) of prompts to the strong model." };
        var folds = new Option<int>("--calibration-folds") { Description = "Folds of the out-of-fold calibration scores (0: in-sample).", DefaultValueFactory = _ => 5 };
        command.Options.Add(output);
        command.Options.Add(profile);
        command.Options.Add(share);
        command.Options.Add(folds);
        var feedback = new Option<bool>("--feedback") { Description = "Also train on the feedback stored by a running server (GET /api/feedback/routing.jsonl; TAKASE_API_KEY when keys are required)." };
        var server = new Option<string?>("--server") { Description = "The server whose feedback --feedback reads (default: TAKASE_HOST, else 127.0.0.1:11434)." };
        var weight = new Option<int>("--feedback-weight") { Description = "How many times each feedback prompt counts next to DATA's rows.", DefaultValueFactory = _ => 1 };
        command.Options.Add(feedback);
        command.Options.Add(server);
        command.Options.Add(weight);
        common.Data.Arity = ArgumentArity.ZeroOrOne; // --feedback alone is enough
        command.SetAction((parse, cancel) => CliErrors.GuardAsync(async () =>
        {
            (string Jsonl, Uri Source)? stored = null;
            if (parse.GetValue(feedback)) stored = await FeedbackTrainingData.FetchAsync(parse.GetValue(server), cancel);
            else if (parse.GetValue(common.Data) is null) throw new ArgumentException("give DATA.jsonl, --feedback, or both");
            return Guard(() => TrainNow(parse, common, output, profile, share, folds, stored, parse.GetValue(weight)));
        }));
        return command;
    }

    private static int TrainNow(ParseResult parse, Common common, Option<FileInfo?> output, Option<string?> profile, Option<double?> share,
        Option<int> folds, (string Jsonl, Uri Source)? stored, int weight)
    {
        var (file, options) = LoadOptional(parse, common);
        var data = file;
        if (stored is { } fb)
        {
            data = FeedbackTrainingData.Mix(file, fb.Jsonl, fb.Source.ToString(), parse.GetValue(common.Weak), parse.GetValue(common.Strong), weight,
                out var used, out var skipped);
            Console.WriteLine($"feedback: {used} prompt{(used == 1 ? "" : "s")} from {fb.Source} (×{weight})"
                              + (skipped > 0 ? $", {skipped} without both {data.Weak} and {data.Strong} skipped" : ""));
        }
        if (data is null) throw new ArgumentException("give DATA.jsonl, --feedback, or both");
        options = options with { CalibrationFolds = parse.GetValue(folds) };
        var target = OutputPath(parse.GetValue(output), parse.GetValue(profile), out var profileShare);
        var clock = Stopwatch.StartNew();
        var model = RouterTraining.Train(data, options);
        RoutingModelFile.Save(model, target);
        Console.WriteLine(string.Create(Inv, $"trained {model.Kind} on {data.Count} prompts of {data.Source} in {clock.Elapsed.TotalSeconds:F1} s"));
        Console.WriteLine(string.Create(Inv, $"weak {data.Weak} {data.WeakMean:0.###}, strong {data.Strong} {data.StrongMean:0.###}, strong wins on {model.Training.StrongWinRate * 100:0.0}%"));
        if ((parse.GetValue(share) ?? profileShare) is { } s)
            Console.WriteLine(string.Create(Inv, $"threshold for {s * 100:0.#}% strong calls: {model.ThresholdForStrongShare(s):0.######}"));
        Console.WriteLine($"wrote {target}");
        return 0;
    }

    private static Command Eval()
    {
        var command = new Command("eval", "Cross-validate a router strategy: APGR, CPT(20/50/80%), the quality curve and the decision latency.");
        var common = AddCommon(command);
        var folds = new Option<int>("--folds") { Description = "Cross-validation folds.", DefaultValueFactory = _ => 5 };
        var output = new Option<FileInfo?>("--out") { Description = "Write the out-of-fold predictions, one {\"id\", \"strong_score\"} per line." };
        var svg = new Option<FileInfo?>("--svg") { Description = "Write the quality curve as an SVG." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var save = new Option<bool>("--save") { Description = "Also store the report in a running server's database (POST /api/router/evaluations; TAKASE_API_KEY: an admin key when keys are required)." };
        var server = new Option<string?>("--server") { Description = "The server --save stores to (default: TAKASE_HOST, else 127.0.0.1:11434)." };
        var profile = new Option<string?>("--profile") { Description = "With --save: the router profile the evaluation is for." };
        command.Options.Add(folds);
        command.Options.Add(output);
        command.Options.Add(svg);
        command.Options.Add(json);
        command.Options.Add(save);
        command.Options.Add(server);
        command.Options.Add(profile);
        command.SetAction((parse, _) => Task.FromResult(Guard(() =>
        {
            var (data, options) = Load(parse, common);
            var k = parse.GetValue(folds);
            var strategy = parse.GetValue(common.Strategy)!.ToLowerInvariant();
            var clock = Stopwatch.StartNew();
            var scores = CrossValidation.OutOfFoldScores(data, options, k, options.Seed);
            var report = RoutingEvaluation.Evaluate(data, scores);
            var cvTime = clock.Elapsed;
            var latency = MeasureLatency(data, options with { CalibrationFolds = 0 });

            if (parse.GetValue(output) is { } predictions)
            {
                var lines = new StringBuilder();
                for (var i = 0; i < data.Count; i++)
                    lines.Append(JsonSerializer.Serialize(new Dictionary<string, object> { ["id"] = data.Examples[i].Id, ["strong_score"] = scores[i] })).Append('\n');
                File.WriteAllText(predictions.FullName, lines.ToString());
            }
            if (parse.GetValue(svg) is { } svgFile)
                File.WriteAllText(svgFile.FullName, CurveSvg.Render(report, $"{data.Source}: {strategy} router, {k}-fold CV", strategy, data.Weak, data.Strong));

            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(JsonReport(data, strategy, k, report, latency), new JsonSerializerOptions { WriteIndented = true }));
            else PrintText(data, strategy, k, report, latency, cvTime);
            if (parse.GetValue(output) is { } p) Console.Error.WriteLine($"wrote {p.FullName}");
            if (parse.GetValue(svg) is { } f) Console.Error.WriteLine($"wrote {f.FullName}");
            if (!parse.GetValue(save)) return 0;
            // The stored run: the JSON report plus the profile and, per curve point, the relative cost (strong share: the weak model counted as free).
            var body = JsonSerializer.SerializeToNode(JsonReport(data, strategy, k, report, latency))!.AsObject();
            body["profile"] = parse.GetValue(profile);
            foreach (var point in body["curve"]!.AsArray().OfType<System.Text.Json.Nodes.JsonObject>()) point["cost"] = point["strong_share"]!.DeepClone();
            return EvaluationUpload.Save(parse.GetValue(server), "/api/router/evaluations", [($"the {strategy} router evaluation", body)], CancellationToken.None);
        })));
        return command;
    }

    private static (RoutingDataset Data, RouterTrainingOptions Options) Load(ParseResult parse, Common common)
    {
        var (data, options) = LoadOptional(parse, common);
        return (data ?? throw new ArgumentException("give the labelled data file DATA.jsonl"), options);
    }

    /// <summary>The data file (null when none is given: train --feedback alone) and the training options.</summary>
    private static (RoutingDataset? Data, RouterTrainingOptions Options) LoadOptional(ParseResult parse, Common common)
    {
        var strategy = RouterTraining.ParseStrategy(parse.GetValue(common.Strategy)!);
        var file = parse.GetValue(common.Data);
        var data = file is null ? null : RoutingDataset.Load(file.FullName,
            new RoutingDatasetOptions { Weak = parse.GetValue(common.Weak), Strong = parse.GetValue(common.Strong) });
        IEmbeddingSource? embeddings = null;
        if (strategy != RoutingStrategy.NGram)
            embeddings = EmbeddingsFrom(parse.GetValue(common.Embeddings)!, parse.GetValue(common.EmbeddingModel), parse.GetValue(common.EmbeddingMaxTokens) switch
            {
                < 0 and var n => throw new ArgumentException($"--embedding-max-tokens must be 0 (no budget) or more, not {n}"),
                0 => null,
                var n => n,
            });
        return (data, new RouterTrainingOptions { Strategy = strategy, Embeddings = embeddings, Seed = parse.GetValue(common.Seed) });
    }

    private static IEmbeddingSource EmbeddingsFrom(string value, string? model, int? maxTokens)
    {
        if (value.Equals("hashed", StringComparison.OrdinalIgnoreCase)) return new HashedNgramEmbeddings();
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            return new RemoteEmbeddings(uri, model ?? throw new ArgumentException("a remote embeddings URL needs --embedding-model"),
                Environment.GetEnvironmentVariable("TAKASE_EMBEDDINGS_API_KEY") is { Length: > 0 } ? "TAKASE_EMBEDDINGS_API_KEY" : null);
        return new LocalGgufEmbeddings(Path.GetFullPath(value), maxTokens);
    }

    /// <summary>Where train writes: --out, else the profile's configured ModelPath, else router.json.</summary>
    private static string OutputPath(FileInfo? output, string? profile, out double? profileShare)
    {
        profileShare = null;
        if (profile is null) return output?.FullName ?? Path.GetFullPath("router.json");
        var config = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .Build();
        var section = config.GetSection($"{Takase.Routing.RouterOptions.Section}:Profiles:{profile}");
        if (double.TryParse(section["StrongShare"], NumberStyles.Float, Inv, out var s)) profileShare = s;
        if (output is not null) return output.FullName;
        var modelPath = section["ModelPath"];
        if (string.IsNullOrWhiteSpace(modelPath))
            throw new ArgumentException($"profile '{profile}' has no ModelPath in configuration ({Takase.Routing.RouterOptions.Section}:Profiles:{profile}:ModelPath in ./appsettings.json or TAKASE__Router__Profiles__{profile}__ModelPath); set it or give --out");
        if (Path.IsPathRooted(modelPath)) return modelPath;
        var models = config["Takase:ModelsDirectory"] is { Length: > 0 } m ? m : Takase.Server.Hosting.TakaseServerOptions.DefaultModelsDirectory();
        return Path.GetFullPath(Path.Combine(models, modelPath));
    }

    /// <summary>
    /// The time one decision takes: a router trained on all prompts scores them in turn, first 500 times untimed (so the
    /// JIT has compiled the hot path), then at least 1000 timed decisions cycling through the prompts. Embedding
    /// routers include making the embedding.
    /// </summary>
    private static (double P50, double P99, int Count) MeasureLatency(RoutingDataset data, RouterTrainingOptions options)
    {
        var model = RouterTraining.Train(data, options);
        for (var i = 0; i < 500; i++) model.Score(data.Examples[i % data.Count].Prompt);
        var times = new double[Math.Max(1000, data.Count)];
        for (var i = 0; i < times.Length; i++)
        {
            var prompt = data.Examples[i % data.Count].Prompt;
            var start = Stopwatch.GetTimestamp();
            model.Score(prompt);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return (Percentile(times, 0.50), Percentile(times, 0.99), times.Length);
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private static string Pct(double? v) => v is { } x ? (x * 100).ToString("0.0", Inv) + "%" : "n/a";

    private static void PrintText(RoutingDataset data, string strategy, int folds, RoutingReport r, (double P50, double P99, int Count) latency, TimeSpan cvTime)
    {
        Console.WriteLine(string.Create(Inv, $"{data.Source}: {data.Count} prompts, weak {data.Weak} {r.Weak:0.###}, strong {data.Strong} {r.Strong:0.###}"));
        Console.WriteLine(string.Create(Inv, $"{strategy} router, {folds}-fold cross-validation ({cvTime.TotalSeconds:F1} s)"));
        Console.WriteLine();
        Console.WriteLine("router      APGR   CPT(20%)  CPT(50%)  CPT(80%)");
        Console.WriteLine(string.Create(Inv, $"{strategy,-10} {r.Apgr,6:0.000}  {Pct(r.Cpt[20]),8}  {Pct(r.Cpt[50]),8}  {Pct(r.Cpt[80]),8}"));
        Console.WriteLine(string.Create(Inv, $"{"random",-10} {RoutingReport.RandomApgr,6:0.000}  {Pct(0.2),8}  {Pct(0.5),8}  {Pct(0.8),8}"));
        Console.WriteLine(string.Create(Inv, $"{"oracle",-10} {r.OracleApgr,6:0.000}"));
        Console.WriteLine();
        Console.WriteLine("strong calls  quality   PGR     random");
        for (var t = 0; t <= 10; t++)
        {
            var share = t / 10.0;
            var q = PerformanceCurve.QualityAt(r.Curve, share);
            var random = r.Weak + share * (r.Strong - r.Weak);
            Console.WriteLine(string.Create(Inv, $"{share * 100,11:0}%  {q,7:0.0000}  {RoutingMetrics.Pgr(q, r.Weak, r.Strong),6:0.000}  {random,7:0.0000}"));
        }
        Console.WriteLine();
        Console.WriteLine(string.Create(Inv, $"decision latency over {latency.Count} decisions: p50 {latency.P50:0.000} ms, p99 {latency.P99:0.000} ms"));
    }

    /// <summary>The report as --json prints it (and --save posts it).</summary>
    private static Dictionary<string, object?> JsonReport(RoutingDataset data, string strategy, int folds, RoutingReport r, (double P50, double P99, int Count) latency) =>
        new()
        {
            ["data"] = data.Source,
            ["prompts"] = data.Count,
            ["strategy"] = strategy,
            ["folds"] = folds,
            ["weak"] = new Dictionary<string, object> { ["model"] = data.Weak, ["quality"] = r.Weak },
            ["strong"] = new Dictionary<string, object> { ["model"] = data.Strong, ["quality"] = r.Strong },
            ["apgr"] = r.Apgr,
            ["cpt"] = r.Cpt.ToDictionary(p => p.Key.ToString(Inv), p => p.Value),
            ["random"] = new Dictionary<string, object> { ["apgr"] = RoutingReport.RandomApgr, ["cpt"] = RoutingEvaluation.CptLevels.ToDictionary(p => p.ToString(Inv), p => RoutingReport.RandomCpt(p)) },
            ["oracle_apgr"] = r.OracleApgr,
            ["latency_ms"] = new Dictionary<string, double> { ["p50"] = latency.P50, ["p99"] = latency.P99 },
            ["curve"] = r.Curve.Select(p => new Dictionary<string, double> { ["strong_share"] = p.StrongShare, ["quality"] = p.Quality, ["threshold"] = p.Threshold }).ToList(),
        };

    /// <summary>CliErrors' guard, plus the routing errors a user can act on (bad data lines, an unreadable router, a failing embedding source).</summary>
    private static int Guard(Func<int> action) => CliErrors.Guard(() =>
    {
        try { return action(); }
        catch (Exception e) when (e is RoutingDataException or EmbeddingException)
        {
            Console.Error.WriteLine($"Error: {e.Message}");
            return 1;
        }
    });
}
