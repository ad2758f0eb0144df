using System.CommandLine;
using System.Text.Json.Nodes;
using Takase.Engine;
using Takase.Engine.Generation;
using Takase.Engine.Sampling;
using Takase.Engine.Templates;

namespace Takase.Cli.Commands;

/// <summary><c>takase run MODEL [PROMPT]</c>: one answer streamed, or an interactive chat without a prompt.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "A model name served by `takase serve`, or the path of a GGUF file to run in-process." };
        var prompt = new Argument<string?>("prompt") { Description = "Prompt text; without it an interactive chat starts.", Arity = ArgumentArity.ZeroOrOne };
        var temperature = new Option<float?>("--temperature") { Description = "Sampling temperature (0 = greedy). Default 0.8." };
        var topK = new Option<int?>("--top-k") { Description = "Keep the k most likely tokens (0 = all). Default 40." };
        var topP = new Option<float?>("--top-p") { Description = "Nucleus sampling threshold. Default 0.9." };
        var minP = new Option<float?>("--min-p") { Description = "Drop tokens below this fraction of the top probability. Default 0." };
        var repeatPenalty = new Option<float?>("--repeat-penalty") { Description = "Penalty for repeated tokens (1 = off). Default 1.1." };
        var seed = new Option<long?>("--seed") { Description = "Random seed: the same seed gives the same output." };
        var numPredict = new Option<int>("--num-predict", "-n") { Description = "Most tokens to generate (-1 = no limit).", DefaultValueFactory = _ => -1 };
        var ctx = new Option<int?>("--ctx") { Description = "Context window in tokens (default: the model's, at most 4096)." };
        var verbose = new Option<bool>("--verbose") { Description = "Print prompt and generation speed after each answer." };
        var raw = new Option<bool>("--raw") { Description = "Send the prompt as is, without the chat template." };
        var command = new Command("run", "Run a model on a prompt, or chat with it.")
        {
            model, prompt, temperature, topK, topP, minP, repeatPenalty, seed, numPredict, ctx, verbose, raw,
        };
        command.SetAction((parse, cancel) =>
        {
            var defaults = new SamplingOptions();
            var options = new GenerationOptions
            {
                Sampling = defaults with
                {
                    Temperature = parse.GetValue(temperature) ?? defaults.Temperature,
                    TopK = parse.GetValue(topK) ?? defaults.TopK,
                    TopP = parse.GetValue(topP) ?? defaults.TopP,
                    MinP = parse.GetValue(minP) ?? defaults.MinP,
                    RepeatPenalty = parse.GetValue(repeatPenalty) ?? defaults.RepeatPenalty,
                    Seed = parse.GetValue(seed),
                },
                MaxTokens = parse.GetValue(numPredict),
            };
            var name = parse.GetValue(model)!;
            if (!File.Exists(name) && !name.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
            {
                // Only what the user named goes to the server: the model's own PARAMETERs fill in the rest.
                var wire = new JsonObject();
                void Named<T>(Option<T> option, string key, Func<T, JsonNode?> value)
                {
                    if (parse.GetResult(option) is { Implicit: false } && parse.GetValue(option) is { } v) wire[key] = value(v);
                }
                Named(temperature, "temperature", v => v);
                Named(topK, "top_k", v => v);
                Named(topP, "top_p", v => v);
                Named(minP, "min_p", v => v);
                Named(repeatPenalty, "repeat_penalty", v => v);
                Named(seed, "seed", v => v);
                Named(numPredict, "num_predict", v => v);
                Named(ctx, "num_ctx", v => v);
                return CliErrors.GuardAsync(() =>
                {
                    options.Validate();
                    return RemoteRun.RunAsync(name, parse.GetValue(prompt), wire, parse.GetValue(verbose), parse.GetValue(raw), cancel);
                });
            }
            // In-process runs are synchronous underneath; Guard turns the engine's errors into one line.
            return Task.FromResult(CliErrors.Guard(() => Run(new FileInfo(name), parse.GetValue(prompt), options,
                parse.GetValue(ctx), parse.GetValue(verbose), parse.GetValue(raw), cancel).GetAwaiter().GetResult()));
        });
        return command;
    }

    private static async Task<int> Run(FileInfo path, string? prompt, GenerationOptions options, int? ctx, bool verbose, bool raw, CancellationToken cancel)
    {
        options.Validate();
        if (prompt is null)
        {
            using var backend = new InteractiveLocalBackend(path.FullName, options, ctx, raw);
            var state = new InteractiveState { Model = path.FullName, Verbose = verbose };
            using var interrupt = new AnswerInterrupt(Console.Error);
            return await new InteractiveSession(backend, state, Console.In, Console.Out, Console.Error, interrupt).RunAsync(cancel);
        }
        using var lm = LanguageModel.Load(path.FullName);
        var generator = new Generator(lm.Model, lm.Tokenizer, ctx);
        var templated = lm.ChatTemplate is not null && !raw;
        var tokens = templated ? lm.TokenizeChat([new ChatMessage("user", prompt)]) : lm.TokenizePrompt(prompt);
        // Plain completion continues the prompt, so show it first, as llama.cpp does (decoded from the tokens,
        // so the output is exactly what the model saw).
        if (!templated) Console.Write(lm.Tokenizer.Decode(tokens));
        var started = System.Diagnostics.Stopwatch.StartNew();
        foreach (var piece in generator.Generate(tokens, options, cancel)) Console.Write(piece);
        Console.Out.Flush();
        if (verbose && generator.LastStats is { } s)
            PrintStats(Console.Error, lm.LoadDuration + started.Elapsed, lm.LoadDuration, s.PromptTokens, s.PromptDuration, s.GeneratedTokens, s.GenerationDuration);
        Console.WriteLine();
        return 0;
    }

    /// <summary>Speeds after an answer, in Ollama's --verbose layout.</summary>
    internal static void PrintStats(TextWriter error, TimeSpan total, TimeSpan load, int promptTokens, TimeSpan promptDuration, int evalTokens, TimeSpan evalDuration)
    {
        error.WriteLine();
        error.WriteLine($"total duration:       {DurationText.Format(total)}");
        error.WriteLine($"load duration:        {DurationText.Format(load)}");
        error.WriteLine($"prompt eval count:    {promptTokens} token(s)");
        error.WriteLine($"prompt eval duration: {DurationText.Format(promptDuration)}");
        error.WriteLine($"prompt eval rate:     {promptTokens / Math.Max(promptDuration.TotalSeconds, 1e-9):F2} tokens/s");
        error.WriteLine($"eval count:           {evalTokens} token(s)");
        error.WriteLine($"eval duration:        {DurationText.Format(evalDuration)}");
        error.WriteLine($"eval rate:            {evalTokens / Math.Max(evalDuration.TotalSeconds, 1e-9):F2} tokens/s");
    }
}
