using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Takase.Engine;
using Takase.Engine.Generation;
using Takase.Engine.Gguf;
using Takase.Engine.Templates;
using Takase.Server.Ollama;

namespace Takase.Cli.Commands;

/// <summary>
/// An interactive session with a GGUF file run in this process. A model with a chat template chats (the cache keeps
/// the conversation, so each turn evaluates only what is new); one without continues the text, line by line.
/// /save needs the library, so it is refused here.
/// </summary>
internal sealed class InteractiveLocalBackend : IInteractiveBackend, IDisposable
{
    private readonly GenerationOptions _defaults;
    private readonly bool _raw;
    private LanguageModel _lm;
    private Generator _generator;
    private int? _contextLength;
    private TimeSpan _pendingLoad;

    /// <summary>Opens the model at <paramref name="path"/> with the run's flags as defaults.</summary>
    public InteractiveLocalBackend(string path, GenerationOptions defaults, int? contextLength, bool raw)
    {
        _defaults = defaults;
        _raw = raw;
        _contextLength = contextLength;
        _lm = LanguageModel.Load(path);
        _pendingLoad = _lm.LoadDuration;
        _generator = new Generator(_lm.Model, _lm.Tokenizer, contextLength);
    }

    private bool Templated => _lm.ChatTemplate is not null && !_raw;

    /// <inheritdoc />
    public string Greeting => Templated
        ? "Chatting with the model (its chat template). Type /? for help, /bye to quit, /clear to forget the conversation."
        : "No chat template: plain completion, each line continues the text. Type /? for help, /bye to quit, /clear to start over.";

    /// <inheritdoc />
    public Task<string> ChatAsync(InteractiveState state, TextWriter output, TextWriter error, CancellationToken cancel)
    {
        if (state.Format is not null)
            throw new NotSupportedException("JSON mode needs the server: serve the model with `takase serve` and `takase run NAME`, or /set noformat");
        var options = Options(state.Options);
        var ctx = state.Options["num_ctx"] is { } n ? (int)n : _contextLength;
        if (ctx != _contextLength)
        {
            _contextLength = ctx;
            _generator = new Generator(_lm.Model, _lm.Tokenizer, ctx);
        }
        int[] tokens;
        if (Templated)
            tokens = _lm.TokenizeChat(state.Messages.Select(m => new ChatMessage(m.Role, m.Content)).ToList());
        else
        {
            // Plain completion: the new line continues everything said so far, which the cache already holds.
            var line = state.Messages[^1].Content;
            tokens = [.. _generator.Tokens, .. _lm.Tokenizer.Encode(line, addSpecial: _generator.Tokens.Count == 0)];
        }
        var started = System.Diagnostics.Stopwatch.StartNew();
        var answer = new StringBuilder();
        foreach (var piece in _generator.Generate(tokens, options, cancel))
        {
            output.Write(piece);
            output.Flush();
            answer.Append(piece);
        }
        if (state.Verbose && _generator.LastStats is { } s)
            RunCommand.PrintStats(error, _pendingLoad + started.Elapsed, _pendingLoad, s.PromptTokens, s.PromptDuration, s.GeneratedTokens, s.GenerationDuration);
        _pendingLoad = TimeSpan.Zero;
        return Task.FromResult(answer.ToString());
    }

    /// <summary>The run's flags with the session's /set parameters on top.</summary>
    private GenerationOptions Options(JsonObject set)
    {
        float? F(string key) => set[key] is { } v ? (float)(double)v : null;
        int? I(string key) => set[key] is { } v ? (int)(long)v : null;
        var s = _defaults.Sampling;
        var options = _defaults with
        {
            Sampling = s with
            {
                Temperature = F("temperature") ?? s.Temperature,
                TopK = I("top_k") ?? s.TopK,
                TopP = F("top_p") ?? s.TopP,
                MinP = F("min_p") ?? s.MinP,
                RepeatPenalty = F("repeat_penalty") ?? s.RepeatPenalty,
                RepeatLastN = I("repeat_last_n") ?? s.RepeatLastN,
                PresencePenalty = F("presence_penalty") ?? s.PresencePenalty,
                FrequencyPenalty = F("frequency_penalty") ?? s.FrequencyPenalty,
                Seed = set["seed"] is { } seed ? (long)seed : s.Seed,
            },
            MaxTokens = I("num_predict") ?? _defaults.MaxTokens,
            Stop = set["stop"] is JsonArray stop ? stop.Select(x => (string)x!).ToList() : _defaults.Stop,
        };
        options.Validate();
        return options;
    }

    /// <inheritdoc />
    public Task<JsonObject> ShowAsync(InteractiveState state, CancellationToken cancel)
    {
        using var file = GgufFile.Open(state.Model);
        var facts = ModelFacts.Read(file);
        var info = new JsonObject();
        foreach (var (key, value) in ModelFacts.ModelInfo(file, verbose: false)) info[key] = value?.DeepClone();
        var show = new JsonObject
        {
            ["license"] = facts.License,
            ["modelfile"] = $"# Modelfile generated by \"takase show\"\nFROM {Path.GetFullPath(state.Model)}\n",
            ["parameters"] = facts.Parameters,
            ["template"] = facts.ChatTemplate,
            ["details"] = new JsonObject
            {
                ["family"] = facts.Family,
                ["parameter_size"] = ModelFacts.FormatParameterCount(facts.ParameterCount),
                ["quantization_level"] = facts.QuantizationLevel,
            },
            ["model_info"] = info,
            ["capabilities"] = new JsonArray(facts.Capabilities.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
        };
        return Task.FromResult(show);
    }

    /// <inheritdoc />
    public Task<bool> LoadAsync(string model, CancellationToken cancel)
    {
        if (!File.Exists(model)) return Task.FromResult(false);
        var next = LanguageModel.Load(model);
        _lm.Dispose();
        _lm = next;
        _pendingLoad = next.LoadDuration;
        _generator = new Generator(_lm.Model, _lm.Tokenizer, _contextLength);
        return Task.FromResult(true);
    }

    /// <inheritdoc />
    public Task SaveAsync(string name, InteractiveState state, CancellationToken cancel) =>
        throw new NotSupportedException(string.Create(CultureInfo.InvariantCulture,
            $"/save needs the model library: serve the model with `takase serve` and chat with `takase run NAME`, or write a Modelfile and `takase create {name}`"));

    /// <inheritdoc />
    public void Reset() => _generator.Reset();

    /// <inheritdoc />
    public void Dispose() => _lm.Dispose();
}
