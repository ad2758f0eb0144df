using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Takase.Cli.Client;
using Takase.Engine;
using Takase.Engine.Generation;
using Takase.Engine.Sampling;
using Takase.Engine.Templates;

namespace Takase.Cli.Commands;

/// <summary>The options every model of a comparison runs with (the same for all, so the answers are comparable).</summary>
internal sealed record CompareSettings(float Temperature, int TopK, float TopP, float MinP, float RepeatPenalty, long Seed, int NumPredict,
    int? Context, string? System, bool Raw)
{
    /// <summary>The settings as the engine's generation options.</summary>
    public GenerationOptions Generation => new()
    {
        Sampling = new SamplingOptions { Temperature = Temperature, TopK = TopK, TopP = TopP, MinP = MinP, RepeatPenalty = RepeatPenalty, Seed = Seed },
        MaxTokens = NumPredict,
    };

    /// <summary>The settings as Ollama's request options: every value is sent, so the model's own PARAMETERs cannot make it differ.</summary>
    public JsonObject Wire()
    {
        var o = new JsonObject
        {
            ["temperature"] = Temperature,
            ["top_k"] = TopK,
            ["top_p"] = TopP,
            ["min_p"] = MinP,
            ["repeat_penalty"] = RepeatPenalty,
            ["seed"] = Seed,
            ["num_predict"] = NumPredict,
        };
        if (Context is { } ctx) o["num_ctx"] = ctx;
        return o;
    }
}

/// <summary>The router's choice for an answer of a router profile (the "takase" object of the final chunk).</summary>
internal sealed record CompareRoute(string Id, string Profile, string Chosen, string? AnsweredBy, string Reason);

/// <summary>One model's answer to one prompt with the engine's (or the server's) counts and timings, or why there is none.</summary>
internal sealed record CompareAnswer(string Model, string PromptId)
{
    public string Text { get; init; } = "";
    /// <summary>Prompt and generated tokens, their durations and why the answer ended.</summary>
    public GenerationStats Stats { get; init; } = new();
    /// <summary>Time to load the model, counted in the first answer it gave.</summary>
    public TimeSpan Load { get; init; }
    /// <summary>Load, prompt and generation together, as the user waited for them.</summary>
    public TimeSpan Total { get; init; }
    public CompareRoute? Route { get; init; }
    public string? Error { get; init; }
}

/// <summary>Answers the prompts of a comparison with one model; created per model, disposed before the next loads.</summary>
internal interface ICompareRunner : IDisposable
{
    /// <summary>"local" (this process) or "server".</summary>
    string Kind { get; }

    /// <summary>Answers <paramref name="prompt"/> from scratch (no cache shared with the previous prompt).</summary>
    Task<CompareAnswer> AnswerAsync(ComparePrompt prompt, CancellationToken cancel);
}

/// <summary>A GGUF file run in this process, as <c>takase run FILE PROMPT</c> runs it.</summary>
internal sealed class LocalCompareRunner : ICompareRunner
{
    private readonly string _name;
    private readonly CompareSettings _settings;
    private readonly LanguageModel _lm;
    private readonly Generator _generator;
    private TimeSpan _pendingLoad;

    /// <summary>Loads the model at <paramref name="path"/>; a missing or unreadable file throws here.</summary>
    public LocalCompareRunner(string name, string path, CompareSettings settings)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such file {path}", path);
        _name = name;
        _settings = settings;
        _lm = LanguageModel.Load(path);
        _pendingLoad = _lm.LoadDuration;
        _generator = new Generator(_lm.Model, _lm.Tokenizer, settings.Context);
    }

    public string Kind => "local";

    public Task<CompareAnswer> AnswerAsync(ComparePrompt prompt, CancellationToken cancel)
    {
        _generator.Reset();
        var options = _settings.Generation;
        options.Validate();
        var tokens = Tokens(prompt.Text);
        var clock = Stopwatch.StartNew();
        var text = new StringBuilder();
        foreach (var piece in _generator.Generate(tokens, options, cancel)) text.Append(piece);
        var stats = _generator.LastStats!;
        var load = _pendingLoad;
        _pendingLoad = TimeSpan.Zero; // the load is counted once, in the first answer, as the server counts it
        return Task.FromResult(new CompareAnswer(_name, prompt.Id)
        {
            Text = text.ToString(),
            Stats = stats,
            Load = load,
            Total = load + clock.Elapsed,
        });
    }

    /// <summary>The prompt as the model sees it: its chat template (with the system message) unless raw, as `takase run` does.</summary>
    private int[] Tokens(string prompt)
    {
        if (_lm.ChatTemplate is null || _settings.Raw) return _lm.TokenizePrompt(prompt);
        var messages = new List<ChatMessage>();
        if (_settings.System is { } system) messages.Add(new ChatMessage("system", system));
        messages.Add(new ChatMessage("user", prompt));
        return _lm.TokenizeChat(messages);
    }

    public void Dispose() => _lm.Dispose();
}

/// <summary>
/// A name the server resolves (a library model, a router profile, a target), answered through /api/generate with
/// every option sent. For a router profile the final chunk carries the decision, so the answer names the target.
/// </summary>
internal sealed class ServerCompareRunner(ServerClient client, string model, CompareSettings settings) : ICompareRunner
{
    public string Kind => "server";

    public async Task<CompareAnswer> AnswerAsync(ComparePrompt prompt, CancellationToken cancel)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["prompt"] = prompt.Text,
            ["raw"] = settings.Raw,
            ["stream"] = true,
            ["options"] = settings.Wire(),
        };
        if (settings.System is { } system && !settings.Raw) body["system"] = system;
        var text = new StringBuilder();
        var answer = new CompareAnswer(model, prompt.Id);
        await foreach (var chunk in client.StreamAsync("/api/generate", body, cancel))
        {
            text.Append((string?)chunk["response"]);
            if ((bool?)chunk["done"] != true) continue;
            static TimeSpan Ns(JsonNode? n) => TimeSpan.FromTicks(((long?)n ?? 0) / 100);
            answer = answer with
            {
                Stats = new GenerationStats
                {
                    PromptTokens = (int?)chunk["prompt_eval_count"] ?? 0,
                    PromptDuration = Ns(chunk["prompt_eval_duration"]),
                    GeneratedTokens = (int?)chunk["eval_count"] ?? 0,
                    GenerationDuration = Ns(chunk["eval_duration"]),
                    DoneReason = Enum.TryParse<DoneReason>((string?)chunk["done_reason"], ignoreCase: true, out var reason) ? reason : DoneReason.Stop,
                },
                Load = Ns(chunk["load_duration"]),
                Total = Ns(chunk["total_duration"]),
                Route = chunk["takase"] is JsonObject route ? new CompareRoute((string?)route["id"] ?? "", (string?)route["profile"] ?? model,
                    (string?)route["chosen"] ?? "", (string?)route["answered_by"], (string?)route["reason"] ?? "") : null,
            };
        }
        return answer with { Text = text.ToString() };
    }

    public void Dispose() { }
}
