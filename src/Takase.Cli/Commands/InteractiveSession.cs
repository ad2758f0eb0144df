using System.Text;
using System.Text.Json.Nodes;
using Takase.Cli.Client;
using Takase.Engine.Models;
using Takase.Engine.Templates;

namespace Takase.Cli.Commands;

/// <summary>
/// The interactive chat of `takase run` without a prompt, with Ollama's commands and wording (cmd/interactive.go):
/// /set, /show, /load, /save, /clear, /bye, /? and <c>"""</c> multi-line input. It reads lines from a
/// <see cref="TextReader"/> and writes to two <see cref="TextWriter"/>s (answers and command replies to the first,
/// prompts, help and speeds to the second, as Ollama does), so tests drive it directly or through piped stdin.
/// </summary>
internal sealed class InteractiveSession(IInteractiveBackend backend, InteractiveState state, TextReader input, TextWriter output, TextWriter error,
    AnswerInterrupt? interrupt = null)
{
    private const string Quotes = "\"\"\"";

    private enum Multiline { None, Prompt, System }

    // The message (or system block) being typed over several lines.
    private readonly StringBuilder _text = new();

    /// <summary>Runs until /bye or the end of the input; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancel)
    {
        error.WriteLine(backend.Greeting);
        var text = _text;
        var multiline = Multiline.None;
        while (!cancel.IsCancellationRequested)
        {
            error.Write(multiline == Multiline.None ? ">>> " : "... ");
            error.Flush();
            var line = await input.ReadLineAsync(cancel);
            if (line is null)
            {
                output.WriteLine();
                return 0;
            }

            if (multiline != Multiline.None)
            {
                // Inside """ … """: collect lines until one ends with the closing quotes.
                var closed = line.EndsWith(Quotes, StringComparison.Ordinal);
                text.Append(closed ? line[..^Quotes.Length] : line);
                if (!closed)
                {
                    text.Append('\n');
                    continue;
                }
                var finished = multiline;
                multiline = Multiline.None;
                if (finished == Multiline.System)
                {
                    SetSystem(text.ToString());
                    text.Clear();
                    continue;
                }
            }
            else if (line.StartsWith(Quotes, StringComparison.Ordinal))
            {
                var rest = line[Quotes.Length..];
                if (rest.Length >= Quotes.Length && rest.EndsWith(Quotes, StringComparison.Ordinal)) text.Append(rest[..^Quotes.Length]);
                else
                {
                    text.Append(rest).Append('\n');
                    multiline = Multiline.Prompt;
                    continue;
                }
            }
            else if (line.StartsWith('/'))
            {
                var args = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                switch (args[0])
                {
                    case "/bye" or "/exit":
                        return 0;
                    case "/?" or "/help":
                        Help(args);
                        break;
                    case "/clear":
                        state.ClearConversation();
                        backend.Reset();
                        output.WriteLine("Cleared session context");
                        break;
                    case "/load":
                        await LoadAsync(args, cancel);
                        break;
                    case "/save":
                        await SaveAsync(args, cancel);
                        break;
                    case "/show":
                        await ShowAsync(args, cancel);
                        break;
                    case "/set":
                        if (Set(line, args)) multiline = Multiline.System;
                        break;
                    default:
                        output.WriteLine($"Unknown command '{args[0]}'. Type /? for help");
                        break;
                }
                continue;
            }
            else text.Append(line);

            if (text.Length == 0) continue;
            var prompt = text.ToString();
            text.Clear();
            await AnswerAsync(prompt, cancel);
        }
        return 0;
    }

    private async Task AnswerAsync(string prompt, CancellationToken cancel)
    {
        state.Messages.Add(new InteractiveMessage("user", prompt));
        // Ctrl-C (through the interrupt) stops this answer only; the session's token ends everything.
        using var answer = interrupt?.BeginAnswer(cancel) ?? CancellationTokenSource.CreateLinkedTokenSource(cancel);
        try
        {
            var text = await backend.ChatAsync(state, output, error, answer.Token);
            output.WriteLine();
            output.Flush();
            state.Messages.Add(new InteractiveMessage("assistant", text));
        }
        catch (OperationCanceledException) when (answer.IsCancellationRequested && !cancel.IsCancellationRequested)
        {
            // Interrupted: the half answer is not part of the conversation, nor is the question it answered.
            state.Messages.RemoveAt(state.Messages.Count - 1);
            output.WriteLine();
            output.Flush();
        }
        catch (Exception e) when (e is ServerErrorException or ServerUnavailableException or ContextOverflowException
                                      or TemplateException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            // The turn failed: forget it, say why, and let the user go on (or /bye).
            state.Messages.RemoveAt(state.Messages.Count - 1);
            output.Flush();
            error.WriteLine($"Error: {e.Message}");
        }
        finally
        {
            interrupt?.EndAnswer(answer);
        }
    }

    /// <summary>Handles /set …; true when a <c>/set system """</c> block starts.</summary>
    private bool Set(string line, string[] args)
    {
        if (args.Length < 2)
        {
            UsageSet();
            return false;
        }
        switch (args[1])
        {
            case "history" or "nohistory":
                break; // no line editor keeps a history here
            case "wordwrap" or "nowordwrap":
                output.WriteLine($"Set '{args[1]}' mode.");
                break;
            case "verbose":
                state.Verbose = true;
                output.WriteLine("Set 'verbose' mode.");
                break;
            case "quiet":
                state.Verbose = false;
                output.WriteLine("Set 'quiet' mode.");
                break;
            case "think":
                state.Think = true;
                output.WriteLine("Set 'think' mode.");
                break;
            case "nothink":
                state.Think = false;
                output.WriteLine("Set 'nothink' mode.");
                break;
            case "format":
                if (args.Length < 3 || args[2] != "json")
                    output.WriteLine("Invalid or missing format. For 'json' mode use '/set format json'");
                else
                {
                    state.Format = "json";
                    output.WriteLine("Set format to 'json' mode.");
                }
                break;
            case "noformat":
                state.Format = null;
                output.WriteLine("Disabled format.");
                break;
            case "parameter":
                if (args.Length < 4)
                {
                    UsageParameters();
                    break;
                }
                try
                {
                    state.SetParameter(args[2], args[3..]);
                    output.WriteLine($"Set parameter '{args[2]}' to '{string.Join(", ", args[3..])}'");
                }
                catch (ArgumentException e)
                {
                    output.WriteLine($"Couldn't set parameter: \"{e.Message}\"");
                }
                break;
            case "system":
                if (args.Length < 3)
                {
                    output.WriteLine("Usage: /set system <message>");
                    break;
                }
                // Everything after "system", as typed (inner spacing kept); a leading """ opens a block.
                var message = line[(line.IndexOf("system", StringComparison.Ordinal) + "system".Length)..].Trim();
                if (message.StartsWith(Quotes, StringComparison.Ordinal))
                {
                    var rest = message[Quotes.Length..];
                    if (!(rest.Length >= Quotes.Length && rest.EndsWith(Quotes, StringComparison.Ordinal))) return BeginSystemBlock(rest);
                    message = rest[..^Quotes.Length];
                }
                SetSystem(message);
                break;
            default:
                output.WriteLine($"Unknown command '/set {args[1]}'. Type /? for help");
                break;
        }
        return false;
    }

    private bool BeginSystemBlock(string firstLine)
    {
        _text.Clear().Append(firstLine).Append('\n');
        return true;
    }

    private void SetSystem(string system)
    {
        state.System = system;
        var message = new InteractiveMessage("system", system);
        // Replace a system message that is the latest one, else add it (as Ollama does).
        if (state.Messages.Count > 0 && state.Messages[^1].Role == "system") state.Messages[^1] = message;
        else state.Messages.Add(message);
        output.WriteLine("Set system message.");
    }

    private async Task LoadAsync(string[] args, CancellationToken cancel)
    {
        if (args.Length != 2)
        {
            output.WriteLine("Usage:\n  /load <modelname>");
            return;
        }
        output.WriteLine($"Loading model '{args[1]}'");
        bool found;
        try
        {
            found = await backend.LoadAsync(args[1], cancel);
        }
        catch (Exception e) when (e is ServerErrorException or ServerUnavailableException or IOException or InvalidDataException
                                      or NotSupportedException or Takase.Engine.Gguf.GgufFormatException)
        {
            output.WriteLine($"error: {e.Message}");
            return;
        }
        if (!found)
        {
            output.WriteLine($"Couldn't find model '{args[1]}'");
            return;
        }
        // A new model starts a new conversation; the session's SYSTEM and PARAMETERs carry over.
        state.Model = args[1];
        state.ClearConversation();
        backend.Reset();
    }

    private async Task SaveAsync(string[] args, CancellationToken cancel)
    {
        if (args.Length != 2)
        {
            output.WriteLine("Usage:\n  /save <modelname>");
            return;
        }
        try
        {
            await backend.SaveAsync(args[1], state, cancel);
            output.WriteLine($"Created new model '{args[1]}'");
        }
        catch (Exception e) when (e is ServerErrorException or ServerUnavailableException or NotSupportedException or ArgumentException)
        {
            output.WriteLine($"error: {e.Message}");
        }
    }

    private async Task ShowAsync(string[] args, CancellationToken cancel)
    {
        if (args.Length < 2)
        {
            UsageShow();
            return;
        }
        if (args[1] is not ("info" or "license" or "modelfile" or "parameters" or "system" or "template"))
        {
            output.WriteLine($"Unknown command '/show {args[1]}'. Type /? for help");
            return;
        }
        JsonObject show;
        try
        {
            show = await backend.ShowAsync(state, cancel);
        }
        catch (Exception e) when (e is ServerErrorException or ServerUnavailableException or IOException)
        {
            output.WriteLine($"error: couldn't get model: {e.Message}");
            return;
        }
        var license = (string?)show["license"];
        var template = (string?)show["template"];
        var system = (string?)show["system"];
        switch (args[1])
        {
            case "info":
                PrintInfo(show);
                break;
            case "license":
                output.WriteLine(string.IsNullOrEmpty(license) ? "No license was specified for this model." : license);
                break;
            case "modelfile":
                output.WriteLine((string?)show["modelfile"] ?? "");
                break;
            case "parameters":
                output.WriteLine("Model defined parameters:");
                if (string.IsNullOrEmpty((string?)show["parameters"]))
                    output.WriteLine("  No additional parameters were specified for this model.");
                else
                    foreach (var l in ((string)show["parameters"]!).Split('\n')) output.WriteLine($"  {l}");
                output.WriteLine();
                if (state.Options.Count > 0)
                {
                    output.WriteLine("User defined parameters:");
                    foreach (var (key, value) in state.Options) output.WriteLine($"  {key,-30} {value?.ToJsonString()}");
                    output.WriteLine();
                }
                break;
            case "system":
                if (!string.IsNullOrEmpty(state.System)) output.WriteLine(state.System + "\n");
                else if (!string.IsNullOrEmpty(system)) output.WriteLine(system + "\n");
                else output.WriteLine("No system message was specified for this model.");
                break;
            case "template":
                output.WriteLine(string.IsNullOrEmpty(template) ? "No prompt template was specified for this model." : template);
                break;
        }
    }

    /// <summary>/show info: the model's architecture and size, capabilities, parameters, system and license, as `ollama show` lays them out.</summary>
    private void PrintInfo(JsonObject show)
    {
        var details = show["details"];
        var info = show["model_info"] as JsonObject;
        var arch = (string?)info?["general.architecture"] ?? (string?)details?["family"] ?? "";
        var rows = new List<(string, string)>
        {
            ("architecture", arch),
            ("parameters", (string?)details?["parameter_size"] ?? ""),
        };
        if (info?[$"{arch}.context_length"] is { } ctx) rows.Add(("context length", ctx.ToJsonString()));
        if (info?[$"{arch}.embedding_length"] is { } emb) rows.Add(("embedding length", emb.ToJsonString()));
        rows.Add(("quantization", (string?)details?["quantization_level"] ?? ""));
        Section("Model", rows);
        Section("Capabilities", (show["capabilities"]?.AsArray() ?? []).Select(c => ((string)c!, "")).ToList());
        if ((string?)show["parameters"] is { Length: > 0 } parameters)
            Section("Parameters", parameters.Split('\n').Select(l => (l, "")).ToList());
        if ((string?)show["system"] is { Length: > 0 } system)
            Section("System", system.Split('\n').Take(2).Select(l => (l, "")).ToList());
        if ((string?)show["license"] is { Length: > 0 } license)
            Section("License", license.Split('\n').Where(l => l.Trim().Length > 0).Take(2).Select(l => (l.Trim(), "")).ToList());

        void Section(string title, IReadOnlyList<(string Key, string Value)> lines)
        {
            error.WriteLine($"  {title}");
            var width = lines.Count == 0 ? 0 : lines.Max(l => l.Key.Length);
            foreach (var (key, value) in lines)
                error.WriteLine(value.Length == 0 ? $"    {key}" : $"    {key.PadRight(width)}    {value}");
            error.WriteLine();
        }
    }

    private void Help(string[] args)
    {
        switch (args.Length > 1 ? args[1] : null)
        {
            case "set" or "/set":
                UsageSet();
                break;
            case "show" or "/show":
                UsageShow();
                break;
            case "shortcut" or "shortcuts":
                error.WriteLine("Available keyboard shortcuts:");
                error.WriteLine("  Ctrl + c            Stop the model from responding");
                error.WriteLine("  Ctrl + d            Exit takase (/bye)");
                error.WriteLine();
                break;
            default:
                error.WriteLine("Available Commands:");
                error.WriteLine("  /set            Set session variables");
                error.WriteLine("  /show           Show model information");
                error.WriteLine("  /load <model>   Load a session or model");
                error.WriteLine("  /save <model>   Save your current session");
                error.WriteLine("  /clear          Clear session context");
                error.WriteLine("  /bye            Exit");
                error.WriteLine("  /?, /help       Help for a command");
                error.WriteLine("  /? shortcuts    Help for keyboard shortcuts");
                error.WriteLine();
                error.WriteLine("Use \"\"\" to begin a multi-line message.");
                error.WriteLine();
                break;
        }
    }

    private void UsageSet()
    {
        error.WriteLine("Available Commands:");
        error.WriteLine("  /set parameter ...     Set a parameter");
        error.WriteLine("  /set system <string>   Set system message");
        error.WriteLine("  /set wordwrap          Enable wordwrap");
        error.WriteLine("  /set nowordwrap        Disable wordwrap");
        error.WriteLine("  /set format json       Enable JSON mode");
        error.WriteLine("  /set noformat          Disable formatting");
        error.WriteLine("  /set verbose           Show LLM stats");
        error.WriteLine("  /set quiet             Disable LLM stats");
        error.WriteLine("  /set think             Enable thinking");
        error.WriteLine("  /set nothink           Disable thinking");
        error.WriteLine();
    }

    private void UsageShow()
    {
        error.WriteLine("Available Commands:");
        error.WriteLine("  /show info         Show details for this model");
        error.WriteLine("  /show license      Show model license");
        error.WriteLine("  /show modelfile    Show Modelfile for this model");
        error.WriteLine("  /show parameters   Show parameters for this model");
        error.WriteLine("  /show system       Show system message");
        error.WriteLine("  /show template     Show prompt template");
        error.WriteLine();
    }

    private void UsageParameters()
    {
        error.WriteLine("Available Parameters:");
        error.WriteLine("  /set parameter seed <int>             Random number seed");
        error.WriteLine("  /set parameter num_predict <int>      Max number of tokens to predict");
        error.WriteLine("  /set parameter top_k <int>            Pick from top k num of tokens");
        error.WriteLine("  /set parameter top_p <float>          Pick token based on sum of probabilities");
        error.WriteLine("  /set parameter min_p <float>          Pick token based on top token probability * min_p");
        error.WriteLine("  /set parameter num_ctx <int>          Set the context size");
        error.WriteLine("  /set parameter temperature <float>    Set creativity level");
        error.WriteLine("  /set parameter repeat_penalty <float> How strongly to penalize repetitions");
        error.WriteLine("  /set parameter repeat_last_n <int>    Set how far back to look for repetitions");
        error.WriteLine("  /set parameter stop <string> <string> ...   Set the stop parameters");
        error.WriteLine();
    }
}
