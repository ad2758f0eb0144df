using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Takase.Routing.Privacy;
using Takase.Routing.Privacy.Evaluation;

namespace Takase.Cli.Commands;

/// <summary>
/// <c>takase pii scan</c> prints the personal data found in standard input (for people checking their privacy
/// policies); <c>takase pii eval</c> scores the detector on a labelled set (precision, recall and F1 per entity type).
/// </summary>
internal static class PiiCommand
{
    /// <summary>Where the repository keeps its labelled set, relative to the repository root.</summary>
    private const string DefaultSet = "tests/Takase.Routing.Tests/Fixtures/pii/labelled.jsonl";

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var command = new Command("pii", "Find personal data (English and Japanese) and measure how well it is found.")
        {
            Scan(), Eval(),
        };
        return command;
    }

    private static Command Scan()
    {
        var lang = new Option<string>("--lang") { Description = "ja, en or auto (by script).", DefaultValueFactory = _ => "auto" };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of entities." };
        var command = new Command("scan", "Read text from standard input and print the personal data in it.") { lang, json };
        command.SetAction((parse, _) => Task.FromResult(CliErrors.Guard(() =>
        {
            var language = PiiLanguages.Parse(parse.GetValue(lang)!);
            var text = Console.In.ReadToEnd();
            var spans = new PiiAnalyzer().Analyze(text, language);
            if (parse.GetValue(json))
            {
                var array = new JsonArray(spans.Select(s => (JsonNode)new JsonObject
                {
                    ["type"] = s.Type.WireName(),
                    ["start"] = s.Start,
                    ["end"] = s.End,
                    ["text"] = s.TextIn(text),
                    ["score"] = Math.Round(s.Score, 2),
                }).ToArray());
                Console.WriteLine(array.ToJsonString(Json));
                return 0;
            }
            if (spans.Count == 0)
            {
                Console.WriteLine("no personal data found");
                return 0;
            }
            var table = NewTable("TYPE", "START", "END", "SCORE", "TEXT");
            foreach (var s in spans)
                table.AddRow(s.Type.WireName(), Num(s.Start), Num(s.End), s.Score.ToString("0.00", CultureInfo.InvariantCulture),
                    Markup.Escape(s.TextIn(text).ReplaceLineEndings("\\n")));
            AnsiConsole.Write(table);
            return 0;
        })));
        return command;
    }

    private static Command Eval()
    {
        var set = new Option<FileInfo?>("--set") { Description = $"Labelled JSON-lines set (default: the repository's {DefaultSet})." };
        var json = new Option<bool>("--json") { Description = "Print the scores as JSON." };
        var mistakes = new Option<bool>("--mistakes") { Description = "Also print each missed or wrongly found span." };
        var command = new Command("eval", "Score the detector on a labelled set: precision, recall and F1 per entity type.") { set, json, mistakes };
        command.SetAction((parse, _) => Task.FromResult(CliErrors.Guard(() =>
        {
            var path = parse.GetValue(set)?.FullName ?? FindDefaultSet();
            var samples = LabelledPiiSet.Load(path);
            var report = PiiEvaluation.Run(new PiiAnalyzer(), samples);
            if (parse.GetValue(json))
            {
                var types = new JsonObject();
                foreach (var (type, score) in report.ByType.Where(p => p.Value.Support + p.Value.FalsePositives > 0))
                    types[type.WireName()] = ScoreJson(score);
                var root = new JsonObject { ["set"] = path, ["samples"] = report.Samples, ["overall"] = ScoreJson(report.Overall), ["types"] = types };
                Console.WriteLine(root.ToJsonString(new JsonSerializerOptions(Json) { WriteIndented = true }));
            }
            else
            {
                Console.WriteLine($"{report.Samples} samples from {path}");
                var table = NewTable("TYPE", "SUPPORT", "TP", "FP", "FN", "PRECISION", "RECALL", "F1");
                foreach (var (type, score) in report.ByType.Where(p => p.Value.Support + p.Value.FalsePositives > 0))
                    AddScore(table, type.WireName(), score);
                AddScore(table, "OVERALL", report.Overall);
                AnsiConsole.Write(table);
            }
            if (parse.GetValue(mistakes))
                foreach (var m in report.Mistakes)
                {
                    var text = samples[m.Sample].Text;
                    Console.WriteLine($"{(m.Missed ? "missed" : "extra ")} #{m.Sample} {m.Type.WireName()} {m.Start}..{m.End} '{text[m.Start..m.End]}' in: {text.ReplaceLineEndings("\\n")}");
                }
            return 0;
        })));
        return command;
    }

    /// <summary>The repository's labelled set, looked for upward from the binary and from the current folder.</summary>
    private static string FindDefaultSet()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, DefaultSet);
                if (File.Exists(candidate)) return candidate;
            }
        throw new FileNotFoundException($"no labelled set given and {DefaultSet} was not found above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}: pass --set PATH");
    }

    private static JsonObject ScoreJson(PiiScore s) => new()
    {
        ["support"] = s.Support,
        ["tp"] = s.TruePositives,
        ["fp"] = s.FalsePositives,
        ["fn"] = s.FalseNegatives,
        ["precision"] = Math.Round(s.Precision, 4),
        ["recall"] = Math.Round(s.Recall, 4),
        ["f1"] = Math.Round(s.F1, 4),
    };

    private static void AddScore(Table table, string name, PiiScore s) =>
        table.AddRow(name, Num(s.Support), Num(s.TruePositives), Num(s.FalsePositives), Num(s.FalseNegatives),
            s.Precision.ToString("0.000", CultureInfo.InvariantCulture), s.Recall.ToString("0.000", CultureInfo.InvariantCulture),
            s.F1.ToString("0.000", CultureInfo.InvariantCulture));

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static Table NewTable(params string[] headers)
    {
        var table = new Table().NoBorder();
        foreach (var h in headers) table.AddColumn(new TableColumn(h).PadLeft(0).PadRight(2));
        return table;
    }
}
