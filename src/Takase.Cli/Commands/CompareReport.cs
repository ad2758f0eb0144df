using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Takase.Cli.Commands;

/// <summary>
/// The three views of a <see cref="Comparison"/>: tables on the terminal (answers side by side, or one after another
/// when the terminal is too narrow), one JSON document, and a Markdown report.
/// </summary>
internal static class CompareReport
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Narrowest column worth reading an answer in; below it the answers are printed one after another.</summary>
    private const int MinColumnWidth = 28;

    /// <summary>One model's totals over all prompts.</summary>
    private sealed record ModelSummary(string Model, string Kind, int Answered, int Failed, int PromptTokens, int Tokens, TimeSpan Eval, TimeSpan Total)
    {
        public double TokensPerSecond => Eval > TimeSpan.Zero ? Tokens / Eval.TotalSeconds : 0;
    }

    private static IEnumerable<ModelSummary> Summaries(Comparison c) => c.ByModel.Select((answers, m) =>
    {
        var ok = answers.Where(a => a.Error is null).ToList();
        return new ModelSummary(c.Models[m], c.Kinds[m], ok.Count, answers.Count - ok.Count, ok.Sum(a => a.Stats.PromptTokens), ok.Sum(a => a.Stats.GeneratedTokens),
            TimeSpan.FromTicks(ok.Sum(a => a.Stats.GenerationDuration.Ticks)), TimeSpan.FromTicks(ok.Sum(a => a.Total.Ticks)));
    });

    private static string Rate(double perSecond) => perSecond.ToString("F1", C);

    /// <summary>Decode speed; 0 when the answer reports no generation time (a remote target may not), rather than a huge number.</summary>
    private static double Speed(CompareAnswer a) => a.Stats.GenerationDuration > TimeSpan.Zero ? a.Stats.GenerationTokensPerSecond : 0;

    /// <summary>A duration to read at a glance ("227ms", "3.41s"); the JSON keeps milliseconds to the microsecond.</summary>
    private static string Time(TimeSpan t) => t < TimeSpan.FromSeconds(1) ? t.TotalMilliseconds.ToString("F0", C) + "ms" : t.TotalSeconds.ToString("F2", C) + "s";

    /// <summary>A column header: a local model's file name (its folder only when two files share the name), a server name as given.</summary>
    private static string Header(Comparison c, int m)
    {
        var name = c.Kinds[m] == "local" ? Path.GetFileName(c.Models[m]) : c.Models[m];
        var clash = c.Models.Where((other, i) => i != m && c.Kinds[i] == "local" && Path.GetFileName(other) == name && other != c.Models[m]).Any();
        return clash ? c.Models[m] : name;
    }

    private static string Stats(CompareAnswer a) =>
        $"{a.Stats.GeneratedTokens} tokens · {a.Stats.PromptTokens} prompt tokens · {Rate(Speed(a))} tokens/s · {Time(a.Total)} total";

    private static string? RouteText(CompareAnswer a) => a.Route is { } r ? $"routed by {r.Profile} to {r.AnsweredBy ?? r.Chosen}" : null;

    /// <summary>Prints each prompt with the answers side by side (one after another when <paramref name="console"/> is too
    /// narrow for a readable column each), then one summary line per model.</summary>
    public static void WriteTables(Comparison c, IAnsiConsole console)
    {
        var sideBySide = console.Profile.Width / Math.Max(1, c.Models.Count) >= MinColumnWidth;
        foreach (var (p, i) in c.Prompts.Select((p, i) => (p, i)))
        {
            console.Write(new Rule($"prompt {Markup.Escape(p.Id)}").LeftJustified());
            console.WriteLine(p.Text);
            console.WriteLine();
            if (sideBySide)
            {
                var table = new Table().Border(TableBorder.Rounded).Expand();
                for (var m = 0; m < c.Models.Count; m++) table.AddColumn(new TableColumn(new Text(Header(c, m))));
                table.AddRow(c.ByModel.Select(answers => Body(answers[i])));
                table.AddRow(c.ByModel.Select(answers => Footer(answers[i])));
                console.Write(table);
            }
            else
            {
                foreach (var (answers, m) in c.ByModel.Select((a, m) => (a, m)))
                {
                    console.Write(new Rule(Markup.Escape(Header(c, m))).LeftJustified().RuleStyle("grey"));
                    console.Write(Body(answers[i]));
                    console.WriteLine();
                    console.Write(Footer(answers[i]));
                    console.WriteLine();
                }
            }
            console.WriteLine();
        }
        var summary = new Table().Border(TableBorder.Simple);
        foreach (var h in new[] { "model", "kind", "answered", "failed", "prompt tokens", "tokens", "tokens/s", "total" })
            summary.AddColumn(new TableColumn(h).PadLeft(0).PadRight(2));
        foreach (var s in Summaries(c))
            summary.AddRow(new Text(s.Model), new Text(s.Kind), new Text(s.Answered.ToString(C)), new Text(s.Failed.ToString(C)),
                new Text(s.PromptTokens.ToString(C)), new Text(s.Tokens.ToString(C)), new Text(Rate(s.TokensPerSecond)), new Text(Time(s.Total)));
        console.Write(summary);
    }

    private static Spectre.Console.Rendering.IRenderable Body(CompareAnswer a) =>
        a.Error is null ? new Text(a.Text) : new Markup($"[red]FAILED[/]: {Markup.Escape(a.Error)}");

    private static Spectre.Console.Rendering.IRenderable Footer(CompareAnswer a)
    {
        if (a.Error is not null) return new Text("");
        var text = Stats(a);
        if (RouteText(a) is { } route) text += "\n" + route;
        return new Text(text, new Style(Color.Grey));
    }

    private static double Ms(TimeSpan t) => Math.Round(t.TotalMilliseconds, 3);

    /// <summary>One JSON document: the options, the models, every prompt with each model's answer, and a summary per model.</summary>
    public static string Json(Comparison c)
    {
        var s = c.Settings;
        var options = s.Wire();
        options["raw"] = s.Raw;
        if (s.System is not null) options["system"] = s.System;
        var doc = new JsonObject
        {
            ["options"] = options,
            ["models"] = new JsonArray(c.Models.Select((m, i) => (JsonNode)new JsonObject { ["name"] = m, ["kind"] = c.Kinds[i] }).ToArray()),
            ["prompts"] = new JsonArray(c.Prompts.Select((p, i) => (JsonNode)new JsonObject
            {
                ["id"] = p.Id,
                ["prompt"] = p.Text,
                ["answers"] = new JsonArray(c.ByModel.Select(answers => (JsonNode)AnswerJson(answers[i])).ToArray()),
            }).ToArray()),
            ["summary"] = new JsonArray(Summaries(c).Select(m => (JsonNode)new JsonObject
            {
                ["model"] = m.Model,
                ["kind"] = m.Kind,
                ["answered"] = m.Answered,
                ["failed"] = m.Failed,
                ["prompt_tokens"] = m.PromptTokens,
                ["tokens"] = m.Tokens,
                ["tokens_per_second"] = Math.Round(m.TokensPerSecond, 3),
                ["eval_ms"] = Ms(m.Eval),
                ["total_ms"] = Ms(m.Total),
            }).ToArray()),
        };
        return doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static JsonObject AnswerJson(CompareAnswer a)
    {
        var o = new JsonObject { ["model"] = a.Model, ["ok"] = a.Error is null };
        if (a.Error is not null)
        {
            o["error"] = a.Error;
            return o;
        }
        o["text"] = a.Text;
        o["prompt_tokens"] = a.Stats.PromptTokens;
        o["tokens"] = a.Stats.GeneratedTokens;
        o["tokens_per_second"] = Math.Round(Speed(a), 3);
        o["load_ms"] = Ms(a.Load);
        o["prompt_ms"] = Ms(a.Stats.PromptDuration);
        o["eval_ms"] = Ms(a.Stats.GenerationDuration);
        o["total_ms"] = Ms(a.Total);
        o["done_reason"] = a.Stats.DoneReason.ToString().ToLowerInvariant();
        if (a.Route is { } r)
            o["route"] = new JsonObject { ["id"] = r.Id, ["profile"] = r.Profile, ["chosen"] = r.Chosen, ["answered_by"] = r.AnsweredBy, ["reason"] = r.Reason };
        return o;
    }

    /// <summary>
    /// A Markdown report: the options, then per prompt a table of the numbers and every answer in full (in a fence
    /// longer than any run of backticks in it), then a summary table per model.
    /// </summary>
    public static string Markdown(Comparison c)
    {
        var s = c.Settings;
        var md = new StringBuilder();
        md.Append("# takase compare\n\n");
        md.Append(C, $"Models: {string.Join(", ", c.Models.Select(m => $"`{m}`"))}. ");
        md.Append(C, $"Options: seed {s.Seed}, temperature {s.Temperature}, top-k {s.TopK}, top-p {s.TopP}, min-p {s.MinP}, repeat penalty {s.RepeatPenalty}, ");
        md.Append(C, $"at most {s.NumPredict} tokens, {(s.Context is { } ctx ? $"context {ctx}" : "each model's context")}, {(s.Raw ? "raw completion" : "chat format")}");
        md.Append(s.System is { } system ? $", system message: {Cell(system)}.\n\n" : ".\n\n");
        foreach (var (p, i) in c.Prompts.Select((p, i) => (p, i)))
        {
            md.Append(C, $"## Prompt {p.Id}\n\n");
            md.Append(Fence(p.Text)).Append('\n');
            md.Append("| model | tokens | prompt tokens | tokens/s | total | route |\n|---|--:|--:|--:|--:|---|\n");
            foreach (var (answers, m) in c.ByModel.Select((a, m) => (a, m)))
            {
                var a = answers[i];
                md.Append(a.Error is null
                    ? string.Create(C, $"| {Cell(c.Models[m])} | {a.Stats.GeneratedTokens} | {a.Stats.PromptTokens} | {Rate(Speed(a))} | {Time(a.Total)} | {Cell(a.Route is { } r ? r.AnsweredBy ?? r.Chosen : "")} |\n")
                    : $"| {Cell(c.Models[m])} | failed: {Cell(a.Error)} | | | | |\n");
            }
            md.Append('\n');
            foreach (var (answers, m) in c.ByModel.Select((a, m) => (a, m)))
            {
                var a = answers[i];
                md.Append(C, $"### {c.Models[m]}\n\n");
                if (a.Error is not null) md.Append(C, $"**Failed:** {a.Error}\n\n");
                else
                {
                    if (RouteText(a) is { } route) md.Append(C, $"_{route}: {a.Route!.Reason}_\n\n");
                    md.Append(Fence(a.Text)).Append('\n');
                }
            }
        }
        md.Append("## Summary\n\n| model | kind | answered | failed | prompt tokens | tokens | tokens/s | total |\n|---|---|--:|--:|--:|--:|--:|--:|\n");
        foreach (var m in Summaries(c))
            md.Append(C, $"| {Cell(m.Model)} | {m.Kind} | {m.Answered} | {m.Failed} | {m.PromptTokens} | {m.Tokens} | {Rate(m.TokensPerSecond)} | {Time(m.Total)} |\n");
        return md.ToString();
    }

    /// <summary>Text safe inside a Markdown table cell: pipes escaped, newlines as &lt;br&gt;.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\r\n", "<br>", StringComparison.Ordinal)
        .Replace("\n", "<br>", StringComparison.Ordinal);

    /// <summary>A fenced block that shows <paramref name="text"/> verbatim: its fence is longer than any backtick run inside.</summary>
    private static string Fence(string text)
    {
        var longest = 0;
        for (int i = 0, run = 0; i < text.Length; i++)
        {
            run = text[i] == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        var fence = new string('`', Math.Max(3, longest + 1));
        return $"{fence}text\n{text}{(text.EndsWith('\n') ? "" : "\n")}{fence}\n";
    }
}
