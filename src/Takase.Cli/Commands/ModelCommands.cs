using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Takase.Cli.Client;

namespace Takase.Cli.Commands;

/// <summary>
/// The commands that ask a running server about its models, as Ollama's CLI does: list, ps, show, cp, rm, stop.
/// Each has --json for scripts (the server's own JSON).
/// </summary>
internal static class ModelCommands
{
    private static readonly Option<bool> Json = new("--json") { Description = "Print the server's JSON instead of a table." };

    public static IEnumerable<Command> Create()
    {
        yield return List();
        yield return Ps();
        yield return Show();
        yield return Copy();
        yield return Remove();
        yield return Stop();
    }

    private static Command List()
    {
        var command = new Command("list", "List the models the server offers.") { Json };
        command.Aliases.Add("ls");
        command.SetAction((parse, cancel) => CliErrors.GuardAsync(async () =>
        {
            using var client = new ServerClient();
            var tags = await client.GetAsync("/api/tags", cancel);
            if (parse.GetValue(Json)) return PrintJson(tags);
            var table = NewTable("NAME", "ID", "SIZE", "MODIFIED");
            foreach (var m in tags["models"]!.AsArray())
                table.AddRow(Esc((string)m!["name"]!), Esc(ShortId((string?)m["digest"])), Humanize.Bytes((long)m["size"]!),
                    Humanize.Ago(DateTimeOffset.Parse((string)m["modified_at"]!), DateTimeOffset.Now));
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Ps()
    {
        var command = new Command("ps", "List the models loaded now.") { Json };
        command.SetAction((parse, cancel) => CliErrors.GuardAsync(async () =>
        {
            using var client = new ServerClient();
            var ps = await client.GetAsync("/api/ps", cancel);
            if (parse.GetValue(Json)) return PrintJson(ps);
            var table = NewTable("NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "QUEUE", "UNTIL");
            foreach (var m in ps["models"]!.AsArray())
            {
                var queue = m!["queue"];
                table.AddRow(Esc((string)m["name"]!), Esc(ShortId((string?)m["digest"])), Humanize.Bytes((long)m["size"]!), "100% CPU",
                    ((int?)m["context_length"])?.ToString() ?? "", queue is null ? "" : $"{(int?)queue["running"]} running, {(int?)queue["queued"]} waiting",
                    Humanize.Until(DateTimeOffset.Parse((string)m["expires_at"]!), DateTimeOffset.Now));
            }
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Show()
    {
        var model = new Argument<string>("model") { Description = "Model name." };
        var modelfile = new Option<bool>("--modelfile") { Description = "Print the model's Modelfile." };
        var parameters = new Option<bool>("--parameters") { Description = "Print its parameters." };
        var template = new Option<bool>("--template") { Description = "Print its chat template." };
        var system = new Option<bool>("--system") { Description = "Print its system prompt." };
        var license = new Option<bool>("--license") { Description = "Print its license." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Also print every metadata key." };
        var command = new Command("show", "Show a model's details.") { model, modelfile, parameters, template, system, license, verbose, Json };
        command.SetAction((parse, cancel) => CliErrors.GuardAsync(async () =>
        {
            using var client = new ServerClient();
            var name = parse.GetValue(model)!;
            var show = await client.PostAsync("/api/show", new { model = name, verbose = parse.GetValue(verbose) }, cancel);
            if (parse.GetValue(Json)) return PrintJson(show);
            string? field = parse.GetValue(modelfile) ? "modelfile" : parse.GetValue(parameters) ? "parameters"
                : parse.GetValue(template) ? "template" : parse.GetValue(system) ? "system" : parse.GetValue(license) ? "license" : null;
            if (field is not null)
            {
                Console.WriteLine((string?)show[field] ?? "");
                return 0;
            }
            var info = show["model_info"] as JsonObject;
            var details = show["details"]!;
            var arch = (string?)info?["general.architecture"] ?? (string?)details["family"] ?? "";
            var grid = NewTable("", "");
            grid.AddRow("[bold]Model[/]", "");
            grid.AddRow("  architecture", Esc(arch));
            grid.AddRow("  parameters", Esc((string?)details["parameter_size"] ?? ""));
            if (info?[$"{arch}.context_length"] is { } ctx) grid.AddRow("  context length", Esc(ctx.ToJsonString()));
            if (info?[$"{arch}.embedding_length"] is { } emb) grid.AddRow("  embedding length", Esc(emb.ToJsonString()));
            grid.AddRow("  quantization", Esc((string?)details["quantization_level"] ?? ""));
            grid.AddRow("", "");
            grid.AddRow("[bold]Capabilities[/]", "");
            foreach (var c in show["capabilities"]?.AsArray() ?? []) grid.AddRow("  " + Esc((string)c!), "");
            // As `ollama show`: the model's own PARAMETERs, SYSTEM and the head of its LICENSE.
            if ((string?)show["parameters"] is { Length: > 0 } modelParameters)
            {
                grid.AddRow("", "");
                grid.AddRow("[bold]Parameters[/]", "");
                foreach (var line in modelParameters.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    var space = line.IndexOf(' ');
                    grid.AddRow("  " + Esc(space < 0 ? line : line[..space]), Esc(space < 0 ? "" : line[space..].Trim()));
                }
            }
            if ((string?)show["system"] is { Length: > 0 } modelSystem)
            {
                grid.AddRow("", "");
                grid.AddRow("[bold]System[/]", "");
                foreach (var line in modelSystem.Split('\n').Take(4)) grid.AddRow("  " + Esc(line), "");
            }
            if ((string?)show["license"] is { Length: > 0 } modelLicense)
            {
                grid.AddRow("", "");
                grid.AddRow("[bold]License[/]", "");
                var lines = modelLicense.Split('\n').Where(l => l.Trim().Length > 0).ToList();
                foreach (var line in lines.Take(2)) grid.AddRow("  " + Esc(line.Trim()), "");
                if (lines.Count > 2) grid.AddRow("  ...", "");
            }
            if (parse.GetValue(verbose) && info is not null)
            {
                grid.AddRow("", "");
                grid.AddRow("[bold]Metadata[/]", "");
                foreach (var (key, value) in info) grid.AddRow("  " + Esc(key), Esc(value?.ToJsonString() ?? "null"));
            }
            AnsiConsole.Write(grid);
            return 0;
        }));
        return command;
    }

    private static Command Copy()
    {
        var source = new Argument<string>("source");
        var destination = new Argument<string>("destination");
        var command = new Command("cp", "Copy a model under a new name.") { source, destination };
        command.SetAction((parse, cancel) => CliErrors.GuardAsync(async () =>
        {
            using var client = new ServerClient();
            await client.PostAsync("/api/copy", new { source = parse.GetValue(source), destination = parse.GetValue(destination) }, cancel);
            Console.WriteLine($"copied '{parse.GetValue(source)}' to '{parse.GetValue(destination)}'");
            return 0;
        }));
        return command;
    }

    private static Command Remove()
    {
        var models = new Argument<string[]>("model") { Arity = ArgumentArity.OneOrMore };
        var command = new Command("rm", "Remove models.") { models };
        command.SetAction((parse, cancel) => CliErrors.GuardAsync(async () =>
        {
            using var client = new ServerClient();
            foreach (var m in parse.GetValue(models)!)
            {
                await client.DeleteAsync("/api/delete", new { model = m }, cancel);
                Console.WriteLine($"deleted '{m}'");
            }
            return 0;
        }));
        return command;
    }

    private static Command Stop()
    {
        var model = new Argument<string>("model");
        var command = new Command("stop", "Unload a running model.") { model };
        command.SetAction((parse, cancel) => CliErrors.GuardAsync(async () =>
        {
            using var client = new ServerClient();
            await client.PostAsync("/api/generate", new { model = parse.GetValue(model), keep_alive = 0 }, cancel);
            return 0;
        }));
        return command;
    }

    private static Table NewTable(params string[] headers)
    {
        var table = new Table().NoBorder();
        table.ShowHeaders = headers.Any(h => h.Length > 0);
        foreach (var h in headers) table.AddColumn(new TableColumn(h).PadLeft(0).PadRight(4));
        return table;
    }

    private static string ShortId(string? digest) => digest is null ? "" : digest.Replace("sha256:", "")[..Math.Min(12, digest.Replace("sha256:", "").Length)];

    private static string Esc(string s) => Markup.Escape(s);

    private static int PrintJson(JsonNode node)
    {
        Console.WriteLine(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        return 0;
    }
}
