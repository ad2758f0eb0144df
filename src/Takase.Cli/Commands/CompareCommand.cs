using System.CommandLine;
using Takase.Cli.Client;

namespace Takase.Cli.Commands;

/// <summary>
/// <c>takase compare MODEL1 MODEL2 [...] -p PROMPT</c>: the same prompts, options and seed on several models, the
/// answers side by side with their token counts and speeds (or as JSON, or a Markdown report).
/// </summary>
/// <remarks>
/// <para>A MODEL is resolved as <c>takase run</c> resolves it: an existing file, or any name ending in .gguf, runs in
/// this process; any other name goes to the server (<c>--server</c>, else TAKASE_HOST / OLLAMA_HOST, else
/// 127.0.0.1:11434), which knows library models, router profiles (e.g. "auto") and the router's targets; a name it does
/// not have is reported, not pulled (`takase pull` it first). The server
/// applies a library model's template and SYSTEM; every sampling option is sent, so its PARAMETERs do not apply.</para>
/// <para>Each model runs alone, one after another: it is loaded once, answers every prompt from an empty cache, and is
/// released before the next loads, so timings are not shared and only one local model is in memory at a time. A model
/// that fails (missing, unknown to the server, failing mid-run) gets its error in its column and the others go on. A
/// server keeps its loaded models' caches, so its prompt token count (and time) covers only what it had to evaluate:
/// the same prompt on the same loaded model twice (say, a library model and a profile that routes to it) counts less
/// the second time.</para>
/// <para>Exit codes: 0 when every model answered every prompt; 1 when an input is bad (nothing runs) or any answer
/// failed (the others are still reported); 130 on Ctrl-C.</para>
/// </remarks>
internal static class CompareCommand
{
    /// <summary>The seed used when none is given, so two comparisons of the same models agree.</summary>
    public const long DefaultSeed = 42;

    /// <summary>The token limit when none is given: enough to judge an answer, bounded so a model that never stops cannot stall the rest.</summary>
    public const int DefaultNumPredict = 128;

    public static Command Create()
    {
        var models = new Argument<string[]>("models")
        {
            Description = "Models to compare: GGUF files (run in-process) or names the server knows (library models, router profiles, targets).",
            Arity = ArgumentArity.OneOrMore,
        };
        var prompt = new Option<string[]>("--prompt", "-p") { Description = "A prompt (repeatable).", AllowMultipleArgumentsPerToken = false };
        var prompts = new Option<string?>("--prompts") { Description = "A file of prompts: one per line, or JSONL lines {\"prompt\": …, \"id\": …}." };
        var server = new Option<string?>("--server") { Description = "The server for model names (default TAKASE_HOST, else 127.0.0.1:11434)." };
        var defaults = new Takase.Engine.Sampling.SamplingOptions();
        var temperature = new Option<float>("--temperature") { Description = "Sampling temperature (0 = greedy).", DefaultValueFactory = _ => defaults.Temperature };
        var topK = new Option<int>("--top-k") { Description = "Keep the k most likely tokens (0 = all).", DefaultValueFactory = _ => defaults.TopK };
        var topP = new Option<float>("--top-p") { Description = "Nucleus sampling threshold.", DefaultValueFactory = _ => defaults.TopP };
        var minP = new Option<float>("--min-p") { Description = "Drop tokens below this fraction of the top probability.", DefaultValueFactory = _ => defaults.MinP };
        var repeatPenalty = new Option<float>("--repeat-penalty") { Description = "Penalty for repeated tokens (1 = off).", DefaultValueFactory = _ => defaults.RepeatPenalty };
        var seed = new Option<long>("--seed") { Description = "Random seed, the same for every model.", DefaultValueFactory = _ => DefaultSeed };
        var numPredict = new Option<int>("--num-predict", "-n") { Description = "Most tokens to generate per answer (-1 = no limit).", DefaultValueFactory = _ => DefaultNumPredict };
        var ctx = new Option<int?>("--ctx") { Description = "Context window in tokens (default: each model's, at most 4096)." };
        var system = new Option<string?>("--system") { Description = "A system message for every model (chat format only)." };
        var raw = new Option<bool>("--raw") { Description = "Plain completion: send the prompt as is, without the chat template." };
        var json = new Option<bool>("--json") { Description = "Print one JSON document (prompts × models) instead of tables." };
        var markdown = new Option<string?>("--markdown") { Description = "Also write a Markdown report to this file." };
        var command = new Command("compare", "Run the same prompts on several models and show the answers side by side.")
        {
            models, prompt, prompts, server, temperature, topK, topP, minP, repeatPenalty, seed, numPredict, ctx, system, raw, json, markdown,
        };
        command.SetAction((parse, cancel) => Task.FromResult(CliErrors.Guard(() =>
        {
            var settings = new CompareSettings(parse.GetValue(temperature), parse.GetValue(topK), parse.GetValue(topP), parse.GetValue(minP),
                parse.GetValue(repeatPenalty), parse.GetValue(seed), parse.GetValue(numPredict), parse.GetValue(ctx), parse.GetValue(system), parse.GetValue(raw));
            settings.Generation.Validate();
            if (settings.Context is < 1) throw new ArgumentException($"--ctx must be at least 1 token, not {settings.Context}");
            if (settings.Raw && settings.System is not null) throw new ArgumentException("--system needs the chat format; leave out --raw or --system");
            var list = ComparePrompts.Read(parse.GetValue(prompt) ?? [], parse.GetValue(prompts));
            // A report that cannot be written should not cost a whole comparison first.
            if (parse.GetValue(markdown) is { } report && Path.GetDirectoryName(Path.GetFullPath(report)) is { } folder && !Directory.Exists(folder))
                throw new DirectoryNotFoundException($"--markdown {report}: the folder {folder} does not exist");
            var comparison = Run(parse.GetValue(models)!, list, settings, parse.GetValue(server), cancel).GetAwaiter().GetResult();
            if (parse.GetValue(markdown) is { } file) File.WriteAllText(file, CompareReport.Markdown(comparison));
            if (parse.GetValue(json)) Console.WriteLine(CompareReport.Json(comparison));
            else CompareReport.WriteTables(comparison, Spectre.Console.AnsiConsole.Console);
            return comparison.Answers.Any(a => a.Error is not null) ? 1 : 0;
        })));
        return command;
    }

    /// <summary>True when <paramref name="model"/> names a GGUF file run in this process (the rule of `takase run`).</summary>
    internal static bool IsLocal(string model) => File.Exists(model) || model.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs every model on every prompt, one model at a time; failures become answers with an error.</summary>
    internal static async Task<Comparison> Run(IReadOnlyList<string> models, IReadOnlyList<ComparePrompt> prompts, CompareSettings settings,
        string? server, CancellationToken cancel)
    {
        var byModel = new List<IReadOnlyList<CompareAnswer>>();
        var kinds = new List<string>();
        using var lazyClient = new LazyServerClient(server);
        foreach (var model in models)
        {
            cancel.ThrowIfCancellationRequested();
            var local = IsLocal(model);
            kinds.Add(local ? "local" : "server");
            var answers = new List<CompareAnswer>();
            byModel.Add(answers);
            // Set when nothing more can come from this model: it did not load, the server does not know it, or there is no
            // server. Its remaining prompts get the same error without trying again.
            string? fatal = null;
            ICompareRunner? runner = null;
            try
            {
                runner = local ? new LocalCompareRunner(model, model, settings) : new ServerCompareRunner(lazyClient.Client, model, settings);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                fatal = e.Message;
                Console.Error.WriteLine($"Error: model {model}: {fatal}");
            }
            using (runner)
            {
                foreach (var p in prompts)
                {
                    if (fatal is not null || runner is null)
                    {
                        answers.Add(new CompareAnswer(model, p.Id) { Error = fatal });
                        continue;
                    }
                    Progress($"{model}: prompt {p.Id}");
                    try
                    {
                        answers.Add(await runner.AnswerAsync(p, cancel));
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        if (e is ServerUnavailableException or ServerErrorException { Status: 404 }) fatal = e.Message;
                        Console.Error.WriteLine($"Error: model {model}, prompt {p.Id}: {e.Message}");
                        answers.Add(new CompareAnswer(model, p.Id) { Error = e.Message });
                    }
                }
            }
        }
        return new Comparison(models, kinds, prompts, settings, byModel);
    }

    private static void Progress(string line)
    {
        if (!Console.IsErrorRedirected) Console.Error.WriteLine(line);
    }

    /// <summary>Connects to the server only when a model needs it, so a comparison of files never reads TAKASE_HOST.</summary>
    private sealed class LazyServerClient(string? host) : IDisposable
    {
        private ServerClient? _client;

        public ServerClient Client => _client ??= new ServerClient(host);

        public void Dispose() => _client?.Dispose();
    }
}

/// <summary>What a comparison produced: the models in the order given, how each ran ("local" or "server"), the prompts,
/// and each model's answers in prompt order.</summary>
internal sealed record Comparison(IReadOnlyList<string> Models, IReadOnlyList<string> Kinds, IReadOnlyList<ComparePrompt> Prompts,
    CompareSettings Settings, IReadOnlyList<IReadOnlyList<CompareAnswer>> ByModel)
{
    /// <summary>Every answer.</summary>
    public IEnumerable<CompareAnswer> Answers => ByModel.SelectMany(a => a);
}
