using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takase.Engine;
using Takase.Engine.Evaluation;
using Takase.Routing.Priors;

namespace Takase.Cli.Commands;

/// <summary>
/// <c>takase eval MODEL... DATASET</c>: accuracy of local GGUF models on a JSONL dataset (multiple choice by
/// log-likelihood, or generative exact match), or perplexity over a text file. Every model runs in turn; one that
/// fails to load or fails mid-run is reported and the others go on.
/// </summary>
/// <remarks>
/// Exit codes: 0 when every model was evaluated; 1 when the dataset or an option is bad (nothing runs) or when at
/// least one model failed (the others' results are still printed) or when <c>--save</c> could not store a result (it
/// is printed first and written to a file the error names). With <c>--save</c> each model's run goes to a running
/// server (POST /api/evaluations), with its <c>--target</c> the router's prior for that target.
/// </remarks>
internal static class EvalCommand
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var inputs = new Argument<string[]>("models-and-dataset")
        {
            Description = "One or more GGUF model files, then the dataset: a JSONL file of questions (see src/Takase.Engine/Evaluation/README.md) or, for perplexity, a text file.",
            Arity = ArgumentArity.OneOrMore,
        };
        var mode = new Option<string>("--mode")
        {
            Description = "auto (a .jsonl/.json dataset: multiple choice when items have choices, else generative; any other file: perplexity), choice, generate or perplexity.",
            DefaultValueFactory = _ => "auto",
        };
        var template = new Option<string>("--template") { Description = "Prompt template; {question} is the item's question, \\n a newline.", DefaultValueFactory = _ => EvalPrompt.DefaultTemplate.Replace("\n", "\\n", StringComparison.Ordinal) };
        var normalize = new Option<string>("--normalize") { Description = "Length unit of acc_norm: chars (lm-eval's acc_norm) or bytes (UTF-8).", DefaultValueFactory = _ => "chars" };
        var maxTokens = new Option<int>("--max-tokens", "-n") { Description = "Tokens to generate at most per generative item.", DefaultValueFactory = _ => 256 };
        var ctx = new Option<int?>("--ctx", "-c") { Description = "Context length: the perplexity window (default 512), otherwise the KV cache size (default: the model's, capped at 4096)." };
        var stride = new Option<int?>("--stride") { Description = "Perplexity: tokens between window starts (default half of --ctx)." };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N items." };
        var details = new Option<bool>("--details") { Description = "With --json, include every item's scores or output." };
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of tables." };
        var save = new Option<bool>("--save") { Description = "Also store each model's result in a running server's database (POST /api/evaluations; TAKASE_API_KEY: an admin key when keys are required)." };
        var server = new Option<string?>("--server") { Description = "The server --save stores to (default: TAKASE_HOST, else 127.0.0.1:11434)." };
        var target = new Option<string[]>("--target")
        {
            Description = "With --save: the router target each model stands for (once per model, in order); its result becomes the router's prior for that target.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("eval", "Evaluate models: multiple-choice accuracy, generative exact match, or perplexity.")
        {
            inputs, mode, template, normalize, maxTokens, ctx, stride, limit, details, json, save, server, target,
        };
        command.SetAction((parse, cancel) => Task.FromResult(CliErrors.Guard(() =>
        {
            var args = parse.GetValue(inputs)!;
            if (args.Length < 2) throw new ArgumentException("give at least one model and a dataset: takase eval MODEL.gguf [MODEL2.gguf ...] DATASET");
            var options = new EvalSettings(
                Models: args[..^1],
                Dataset: args[^1],
                Mode: parse.GetValue(mode)!,
                Prompt: new EvalPrompt(parse.GetValue(template)!.Replace("\\n", "\n", StringComparison.Ordinal)),
                Unit: parse.GetValue(normalize) switch
                {
                    "chars" or "characters" => LengthUnit.Characters,
                    "bytes" => LengthUnit.Bytes,
                    var other => throw new ArgumentException($"--normalize takes chars or bytes, not \"{other}\""),
                },
                MaxTokens: parse.GetValue(maxTokens),
                Context: parse.GetValue(ctx),
                Stride: parse.GetValue(stride),
                Limit: parse.GetValue(limit),
                Details: parse.GetValue(details),
                Json: parse.GetValue(json),
                Save: parse.GetValue(save),
                Server: parse.GetValue(server),
                Targets: parse.GetValue(target) ?? []);
            return Run(options, cancel);
        })));
        return command;
    }

    private sealed record EvalSettings(string[] Models, string Dataset, string Mode, EvalPrompt Prompt, LengthUnit Unit, int MaxTokens,
        int? Context, int? Stride, int? Limit, bool Details, bool Json, bool Save, string? Server, string[] Targets);

    /// <summary>One model's outcome: its report, or why it failed, and how long it took.</summary>
    private sealed record ModelOutcome(string Model, object? Report, string? Error, TimeSpan Duration = default);

    private static int Run(EvalSettings s, CancellationToken cancel)
    {
        if (s.Limit is < 1) throw new ArgumentException($"--limit must be at least 1, not {s.Limit}");
        if (s.Targets.Length > 0 && !s.Save) throw new ArgumentException("--target names the router target a saved result stands for; add --save");
        if (s.Targets.Length > 0 && s.Targets.Length != s.Models.Length)
            throw new ArgumentException($"give one --target per model, in order: {s.Models.Length} model{(s.Models.Length == 1 ? "" : "s")}, {s.Targets.Length} --target");
        if (!File.Exists(s.Dataset)) throw new FileNotFoundException($"dataset {s.Dataset} not found; the last argument is the dataset", s.Dataset);
        var mode = s.Mode switch
        {
            "auto" => IsJsonl(s.Dataset) ? "questions" : "perplexity",
            "choice" or "generate" => "questions",
            "perplexity" => "perplexity",
            var other => throw new ArgumentException($"--mode takes auto, choice, generate or perplexity, not \"{other}\""),
        };

        // Everything about the dataset is checked before the first model loads: a bad line should not cost a model load.
        EvalDataset? dataset = null;
        string? text = null;
        int context = 0, stride = 0;
        if (mode == "questions")
        {
            try { dataset = EvalDataset.Load(s.Dataset); }
            catch (EvalDatasetException e)
            {
                Console.Error.WriteLine($"Error: {e.Message}");
                return 1;
            }
            if (s.Mode == "choice" && !dataset.IsMultipleChoice) throw new ArgumentException($"--mode choice, but the items of {s.Dataset} have no \"choices\"");
            if (s.Mode == "generate" && dataset.IsMultipleChoice) throw new ArgumentException($"--mode generate, but the items of {s.Dataset} have \"choices\"");
            mode = dataset.IsMultipleChoice ? "multiple_choice" : "generative";
            if (s.MaxTokens < 1) throw new ArgumentException($"--max-tokens must be at least 1, not {s.MaxTokens}");
        }
        else
        {
            text = File.ReadAllText(s.Dataset);
            context = s.Context ?? 512;
            stride = s.Stride ?? Math.Max(1, context / 2);
            if (context < 2) throw new ArgumentException($"--ctx must be at least 2 tokens, not {context}");
            if (stride < 1 || stride > context) throw new ArgumentException($"--stride must be between 1 and --ctx ({context}), not {stride}");
        }

        var outcomes = new List<ModelOutcome>();
        foreach (var path in s.Models)
        {
            cancel.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            try
            {
                if (!File.Exists(path)) throw new FileNotFoundException("no such file");
                using var model = LanguageModel.Load(path);
                object report = mode switch
                {
                    "multiple_choice" => MultipleChoiceEvaluator.Run(model, Take(dataset!.ChoiceItems, s.Limit), s.Prompt, s.Unit, s.Context, cancel: cancel),
                    "generative" => GenerativeEvaluator.Run(model, Take(dataset!.GenerativeItems, s.Limit), s.Prompt, s.MaxTokens, contextLength: s.Context, cancel: cancel),
                    _ => PerplexityEvaluator.Run(model, text!, context, stride, cancel),
                };
                outcomes.Add(new ModelOutcome(path, report, null, clock.Elapsed));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One model's failure (missing file, bad GGUF, an item too long for its context, ...) does not stop the others.
                Console.Error.WriteLine($"Error: model {path}: {e.Message}");
                outcomes.Add(new ModelOutcome(path, null, e.Message));
            }
        }

        if (s.Json) Console.WriteLine(ToJson(s, mode, context, stride, outcomes).ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        else PrintTables(s, mode, outcomes);
        var saved = s.Save ? Save(s, mode, context, stride, outcomes, cancel) : 0;
        return outcomes.Any(o => o.Error is not null) || saved != 0 ? 1 : 0;
    }

    private static bool IsJsonl(string path) =>
        path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    private static IReadOnlyList<T> Take<T>(IReadOnlyList<T> items, int? limit) => limit is { } n && n < items.Count ? items.Take(n).ToList() : items;

    private static string F(double v, string format = "F4") => v.ToString(format, C);

    /// <summary>Pads to <paramref name="width"/> terminal columns: kanji and kana take two, so Japanese categories line up.</summary>
    private static string Pad(string text, int width) => text + new string(' ', Math.Max(0, width - Columns(text)));

    private static int Columns(string text) => text.EnumerateRunes().Sum(r => r.Value is >= 0x1100 and <= 0x115F or >= 0x2E80 and <= 0xA4CF
        or >= 0xAC00 and <= 0xD7A3 or >= 0xF900 and <= 0xFAFF or >= 0xFE30 and <= 0xFE4F or >= 0xFF00 and <= 0xFF60
        or >= 0xFFE0 and <= 0xFFE6 or >= 0x1F300 and <= 0x1F64F or >= 0x20000 and <= 0x3FFFD ? 2 : 1);

    private static string Interval(AccuracyStat a) => $"[{F(a.Low)}, {F(a.High)}]";

    private static void PrintTables(EvalSettings s, string mode, List<ModelOutcome> outcomes)
    {
        var width = Math.Max(5, outcomes.Max(o => Columns(Path.GetFileName(o.Model))));
        string Name(ModelOutcome o) => Pad(Path.GetFileName(o.Model), width);
        Console.WriteLine($"dataset: {s.Dataset} ({mode.Replace('_', '-')})");
        Console.WriteLine();
        switch (mode)
        {
            case "multiple_choice":
                Console.WriteLine($"{"model".PadRight(width)}  {"items",5}  {"acc",6}  {"95% CI",-16}  {"acc_norm",8}  {"95% CI",-16}  {"items/s",8}");
                foreach (var o in outcomes)
                {
                    if (o.Report is MultipleChoiceReport r)
                        Console.WriteLine($"{Name(o)}  {r.Items.Count,5}  {F(r.Accuracy.Accuracy),6}  {Interval(r.Accuracy),-16}  {F(r.AccuracyNormalized.Accuracy),8}  {Interval(r.AccuracyNormalized),-16}  {F(r.ItemsPerSecond, "F2"),8}");
                    else Console.WriteLine($"{Name(o)}  FAILED: {o.Error}");
                }
                foreach (var o in outcomes)
                {
                    if (o.Report is not MultipleChoiceReport r) continue;
                    var cw = Math.Max(8, r.ByCategory.Max(c => Columns(c.Category)));
                    Console.WriteLine();
                    Console.WriteLine($"{Path.GetFileName(o.Model)} by category (acc_norm by {(r.Unit == LengthUnit.Bytes ? "UTF-8 bytes" : "characters")}):");
                    Console.WriteLine($"  {"category".PadRight(cw)}  {"items",5}  {"acc",6}  {"95% CI",-16}  {"acc_norm",8}");
                    foreach (var (category, acc, norm) in r.ByCategory)
                        Console.WriteLine($"  {Pad(category, cw)}  {acc.Total,5}  {F(acc.Accuracy),6}  {Interval(acc),-16}  {F(norm.Accuracy),8}");
                }
                break;
            case "generative":
                Console.WriteLine($"{"model".PadRight(width)}  {"items",5}  {"exact_match",11}  {"95% CI",-16}  {"items/s",8}");
                foreach (var o in outcomes)
                {
                    if (o.Report is GenerativeReport r)
                        Console.WriteLine($"{Name(o)}  {r.Items.Count,5}  {F(r.Accuracy.Accuracy),11}  {Interval(r.Accuracy),-16}  {F(r.ItemsPerSecond, "F2"),8}");
                    else Console.WriteLine($"{Name(o)}  FAILED: {o.Error}");
                }
                foreach (var o in outcomes)
                {
                    if (o.Report is not GenerativeReport r) continue;
                    var cw = Math.Max(8, r.ByCategory.Max(c => Columns(c.Category)));
                    Console.WriteLine();
                    Console.WriteLine($"{Path.GetFileName(o.Model)} by category:");
                    Console.WriteLine($"  {"category".PadRight(cw)}  {"items",5}  {"exact_match",11}  {"95% CI",-16}");
                    foreach (var (category, acc) in r.ByCategory)
                        Console.WriteLine($"  {Pad(category, cw)}  {acc.Total,5}  {F(acc.Accuracy),11}  {Interval(acc),-16}");
                }
                break;
            default:
                Console.WriteLine($"{"model".PadRight(width)}  {"perplexity",12}  {"mean NLL",9}  {"scored",7}  {"tokens",7}  {"windows",7}  {"tokens/s",9}");
                foreach (var o in outcomes)
                {
                    if (o.Report is PerplexityReport r)
                        Console.WriteLine($"{Name(o)}  {F(r.Perplexity),12}  {F(r.MeanNll),9}  {r.ScoredTokens,7}  {r.TotalTokens,7}  {r.Windows,7}  {F(r.TokensPerSecond, "F1"),9}");
                    else Console.WriteLine($"{Name(o)}  FAILED: {o.Error}");
                }
                break;
        }
    }

    private static JsonObject Stat(AccuracyStat a) => new()
    {
        ["value"] = a.Accuracy,
        ["correct"] = a.Correct,
        ["total"] = a.Total,
        ["ci95_low"] = a.Low,
        ["ci95_high"] = a.High,
    };

    private static JsonObject ToJson(EvalSettings s, string mode, int context, int stride, List<ModelOutcome> outcomes)
    {
        var results = new JsonArray(outcomes.Select(o => (JsonNode)Entry(s, o)).ToArray());
        var doc = Document(s, mode, context, stride);
        doc["results"] = results;
        return doc;
    }

    /// <summary>The document's fields besides "results": the dataset, the mode and the options that shaped the run.</summary>
    private static JsonObject Document(EvalSettings s, string mode, int context, int stride)
    {
        var doc = new JsonObject { ["dataset"] = s.Dataset, ["mode"] = mode };
        if (mode == "perplexity")
        {
            doc["ctx"] = context;
            doc["stride"] = stride;
        }
        else
        {
            doc["template"] = s.Prompt.Template;
            if (mode == "multiple_choice") doc["acc_norm_unit"] = s.Unit == LengthUnit.Bytes ? "bytes" : "chars";
            else doc["max_tokens"] = s.MaxTokens;
        }
        return doc;
    }

    /// <summary>One model's entry of "results".</summary>
    private static JsonObject Entry(EvalSettings s, ModelOutcome o)
    {
        var entry = new JsonObject { ["model"] = o.Model, ["ok"] = o.Error is null };
        if (o.Error is not null) entry["error"] = o.Error;
        switch (o.Report)
        {
            case MultipleChoiceReport r:
                entry["items"] = r.Items.Count;
                entry["acc"] = Stat(r.Accuracy);
                entry["acc_norm"] = Stat(r.AccuracyNormalized);
                entry["items_per_second"] = r.ItemsPerSecond;
                entry["categories"] = new JsonArray(r.ByCategory.Select(c => (JsonNode)new JsonObject
                {
                    ["category"] = c.Category,
                    ["acc"] = Stat(c.Accuracy),
                    ["acc_norm"] = Stat(c.AccuracyNormalized),
                }).ToArray());
                if (s.Details)
                    entry["details"] = new JsonArray(r.Items.Select(i => (JsonNode)new JsonObject
                    {
                        ["line"] = i.Item.Line,
                        ["answer"] = i.Item.Answer,
                        ["predicted"] = i.Predicted,
                        ["predicted_norm"] = i.PredictedNormalized,
                        ["loglikelihoods"] = new JsonArray(i.Scores.Select(x => (JsonNode)JsonValue.Create(x.LogLikelihood)).ToArray()),
                        ["token_counts"] = new JsonArray(i.Scores.Select(x => (JsonNode)JsonValue.Create(x.TokenCount)).ToArray()),
                        ["is_greedy"] = new JsonArray(i.Scores.Select(x => (JsonNode)JsonValue.Create(x.IsGreedy)).ToArray()),
                    }).ToArray());
                break;
            case GenerativeReport r:
                entry["items"] = r.Items.Count;
                entry["exact_match"] = Stat(r.Accuracy);
                entry["items_per_second"] = r.ItemsPerSecond;
                entry["categories"] = new JsonArray(r.ByCategory.Select(c => (JsonNode)new JsonObject
                {
                    ["category"] = c.Category,
                    ["exact_match"] = Stat(c.Accuracy),
                }).ToArray());
                if (s.Details)
                    entry["details"] = new JsonArray(r.Items.Select(i => (JsonNode)new JsonObject
                    {
                        ["line"] = i.Item.Line,
                        ["answer"] = i.Item.Answer,
                        ["output"] = i.Output,
                        ["extracted"] = i.Extracted,
                        ["correct"] = i.Correct,
                    }).ToArray());
                break;
            case PerplexityReport r:
                entry["perplexity"] = r.Perplexity;
                entry["mean_nll"] = r.MeanNll;
                entry["scored_tokens"] = r.ScoredTokens;
                entry["tokens"] = r.TotalTokens;
                entry["windows"] = r.Windows;
                entry["tokens_per_second"] = r.TokensPerSecond;
                break;
        }
        return entry;
    }

    /// <summary>
    /// --save: each successful model's entry with the document's fields beside it, plus the target, the dataset's
    /// SHA-256, the duration and, per category, the centroid of its questions (how the router recognises the category).
    /// </summary>
    private static int Save(EvalSettings s, string mode, int context, int stride, List<ModelOutcome> outcomes, CancellationToken cancel)
    {
        string sha;
        using (var file = File.OpenRead(s.Dataset)) sha = Convert.ToHexStringLower(SHA256.HashData(file));
        var runs = new List<(string, JsonObject)>();
        for (var i = 0; i < outcomes.Count; i++)
        {
            var o = outcomes[i];
            if (o.Error is not null) continue;
            var body = Document(s, mode, context, stride);
            foreach (var (key, value) in Entry(s with { Details = false }, o)) body[key] = value?.DeepClone();
            body["target"] = s.Targets.Length > 0 ? s.Targets[i] : null;
            body["dataset_sha256"] = sha;
            body["duration_ms"] = (long)o.Duration.TotalMilliseconds;
            var questions = o.Report switch
            {
                MultipleChoiceReport r => r.Items.Select(x => (x.Item.Category, x.Item.Question)),
                GenerativeReport r => r.Items.Select(x => (x.Item.Category, x.Item.Question)),
                _ => [],
            };
            if (body["categories"] is JsonArray categories)
                foreach (var category in categories.OfType<JsonObject>())
                {
                    var name = (string?)category["category"];
                    if (CategoryCentroids.Of(questions.Where(q => (q.Category ?? "(none)") == name).Select(q => q.Question)) is { } centroid)
                        category["centroid"] = new JsonArray(centroid.Select(x => (JsonNode)JsonValue.Create(x)).ToArray());
                }
            runs.Add((o.Model, body));
        }
        return EvaluationUpload.Save(s.Server, "/api/evaluations", runs, cancel);
    }
}
