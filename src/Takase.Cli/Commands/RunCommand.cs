using System.CommandLine;
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
                return CliErrors.GuardAsync(() => RemoteRun.RunAsync(name, parse.GetValue(prompt), options, parse.GetValue(ctx),
                    parse.GetValue(verbose), parse.GetValue(raw), cancel));
            return Task.FromResult(CliErrors.Guard(() => Run(new FileInfo(name), parse.GetValue(prompt), options,
                parse.GetValue(ctx), parse.GetValue(verbose), parse.GetValue(raw), cancel)));
        });
        return command;
    }

    private static int Run(FileInfo path, string? prompt, GenerationOptions options, int? ctx, bool verbose, bool raw, CancellationToken cancel)
    {
        options.Validate();
        using var lm = LanguageModel.Load(path.FullName);
        var generator = new Generator(lm.Model, lm.Tokenizer, ctx);
        var templated = lm.ChatTemplate is not null && !raw;
        if (prompt is not null)
        {
            var tokens = templated ? lm.TokenizeChat([new ChatMessage("user", prompt)]) : lm.TokenizePrompt(prompt);
            // Plain completion continues the prompt, so show it first, as llama.cpp does (decoded from the tokens,
            // so the output is exactly what the model saw).
            if (!templated) Console.Write(lm.Tokenizer.Decode(tokens));
            Stream(generator, tokens, options, verbose, lm.LoadDuration, cancel);
            Console.WriteLine();
            return 0;
        }

        Console.Error.WriteLine(templated
            ? "Chatting with the model (its chat template). Type /bye to quit, /clear to forget the conversation."
            : "No chat template: plain completion, each line continues the text. Type /bye to quit, /clear to start over.");
        var messages = new List<ChatMessage>();
        while (!cancel.IsCancellationRequested)
        {
            Console.Error.Write(">>> ");
            var line = Console.ReadLine();
            if (line is null || line.Trim() == "/bye") break;
            if (line.Trim() == "/clear") { messages.Clear(); generator.Reset(); continue; }
            if (line.Length == 0) continue;
            int[] tokens;
            if (templated)
            {
                messages.Add(new ChatMessage("user", line));
                tokens = lm.TokenizeChat(messages);
            }
            else
            {
                // Plain completion: the new line continues everything said so far, which the cache already holds.
                tokens = [.. generator.Tokens, .. lm.Tokenizer.Encode(line, addSpecial: generator.Tokens.Count == 0)];
            }
            var answer = Stream(generator, tokens, options, verbose, TimeSpan.Zero, cancel);
            Console.WriteLine();
            if (templated) messages.Add(new ChatMessage("assistant", answer));
        }
        return 0;
    }

    internal static void PrintStats(bool verbose, TimeSpan total, TimeSpan load, int promptTokens, TimeSpan promptDuration, int evalTokens, TimeSpan evalDuration)
    {
        if (!verbose) return;
        Console.Error.WriteLine();
        Console.Error.WriteLine($"total duration:       {DurationText.Format(total)}");
        Console.Error.WriteLine($"load duration:        {DurationText.Format(load)}");
        Console.Error.WriteLine($"prompt eval count:    {promptTokens} token(s)");
        Console.Error.WriteLine($"prompt eval duration: {DurationText.Format(promptDuration)}");
        Console.Error.WriteLine($"prompt eval rate:     {promptTokens / Math.Max(promptDuration.TotalSeconds, 1e-9):F2} tokens/s");
        Console.Error.WriteLine($"eval count:           {evalTokens} token(s)");
        Console.Error.WriteLine($"eval duration:        {DurationText.Format(evalDuration)}");
        Console.Error.WriteLine($"eval rate:            {evalTokens / Math.Max(evalDuration.TotalSeconds, 1e-9):F2} tokens/s");
    }

    private static string Stream(Generator generator, IReadOnlyList<int> tokens, GenerationOptions options, bool verbose, TimeSpan load, CancellationToken cancel)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var answer = new System.Text.StringBuilder();
        foreach (var piece in generator.Generate(tokens, options, cancel))
        {
            Console.Write(piece);
            answer.Append(piece);
        }
        Console.Out.Flush();
        if (generator.LastStats is { } s)
            PrintStats(verbose, load + started.Elapsed, load, s.PromptTokens, s.PromptDuration, s.GeneratedTokens, s.GenerationDuration);
        return answer.ToString();
    }
}
