using System.CommandLine;
using Spectre.Console;
using Takase.Cli.Client;

namespace Takase.Cli.Commands;

/// <summary><c>takase pull NAME</c> / <c>takase push NAME</c>: the server transfers, the CLI shows progress bars.</summary>
internal static class PullCommand
{
    public static IEnumerable<Command> Create()
    {
        yield return Transfer("pull", "Pull a model from a registry (name, name:tag, namespace/name:tag, host/namespace/name:tag, hf.co/org/repo:quant).");
        yield return Transfer("push", "Push a model to a registry.");
        yield return CreateModel();
    }

    private static Command CreateModel()
    {
        var model = new Argument<string>("model") { Description = "Name of the new model." };
        var file = new Option<FileInfo>("--file", "-f") { Description = "The Modelfile (default: ./Modelfile)." };
        var quantize = new Option<string?>("--quantize", "-q") { Description = "Quantize the model's F16/BF16/F32 weights to this type (e.g. q4_K_M, q8_0)." };
        var json = new Option<bool>("--json") { Description = "Print the progress objects as JSON lines." };
        var command = new Command("create", "Create a model from a Modelfile.") { model, file, quantize, json };
        command.SetAction((parse, cancel) => CliErrors.GuardAsync(async () =>
        {
            var path = parse.GetValue(file) ?? new FileInfo("Modelfile");
            if (!path.Exists) throw new ArgumentException($"no Modelfile at {path.FullName}; give one with -f");
            using var client = new ServerClient();
            var body = new { model = parse.GetValue(model), modelfile = await File.ReadAllTextAsync(path.FullName, cancel), path = path.DirectoryName, quantize = parse.GetValue(quantize) };
            return await ShowProgress(client.StreamAsync("/api/create", body, cancel), parse.GetValue(json));
        }));
        return command;
    }

    private static Command Transfer(string verb, string description)
    {
        var model = new Argument<string>("model") { Description = "Model name." };
        var json = new Option<bool>("--json") { Description = "Print the progress objects as JSON lines." };
        var command = new Command(verb, description) { model, json };
        command.SetAction((parse, cancel) => CliErrors.GuardAsync(async () =>
        {
            using var client = new ServerClient();
            return await ShowProgress(client.StreamAsync($"/api/{verb}", new { model = parse.GetValue(model) }, cancel), parse.GetValue(json));
        }));
        return command;
    }

    /// <summary>Progress bars on a terminal; one line per progress object in a pipe or with --json.</summary>
    private static async Task<int> ShowProgress(IAsyncEnumerable<System.Text.Json.Nodes.JsonNode> stream, bool json)
    {
        if (json || Console.IsOutputRedirected)
        {
            // Scripts and pipes get one line per progress object, as the server sent it (a status repeated with
            // new counts, as quantizing sends per tensor, once).
            string? last = null;
            await foreach (var line in stream)
                if (json) Console.WriteLine(line.ToJsonString());
                else if ((string?)line["digest"] is null && (string?)line["status"] is var status && status != last) Console.WriteLine(last = status);
            return 0;
        }
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
            .StartAsync(async progress =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                await foreach (var line in stream)
                {
                    var status = (string?)line["status"] ?? "";
                    var key = (string?)line["digest"] ?? status;
                    if (!tasks.TryGetValue(key, out var task))
                    {
                        task = progress.AddTask(Markup.Escape(status), maxValue: Math.Max(1, (long?)line["total"] ?? 1));
                        tasks[key] = task;
                    }
                    if ((long?)line["total"] is { } total and > 0) task.MaxValue = total;
                    if ((long?)line["completed"] is { } done) task.Value = done;
                    else if ((string?)line["digest"] is null) task.Value = task.MaxValue;
                }
            });
        return 0;
    }
}
