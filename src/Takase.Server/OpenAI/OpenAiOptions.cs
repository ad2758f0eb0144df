using System.Globalization;
using System.Text.Json;
using Takase.Engine.Generation;
using Takase.Engine.Sampling;

namespace Takase.Server.OpenAI;

/// <summary>
/// The sampling and length fields chat and text completions share, checked against OpenAI's ranges (a 400 naming the
/// field) and turned into engine <see cref="GenerationOptions"/>.
/// </summary>
internal static class OpenAiOptions
{
    /// <summary>Most choices (n) one request may ask for.</summary>
    public const int MaxChoices = 8;
    /// <summary>Most stop strings; OpenAI allows 4, a few clients send more.</summary>
    public const int MaxStops = 16;

    /// <summary>The sampling fields of a request, as sent.</summary>
    public sealed record Sampling(double? Temperature, double? TopP, double? PresencePenalty, double? FrequencyPenalty,
        long? Seed, Dictionary<string, double>? LogitBias, JsonElement? Stop, int MaxTokens, bool MaxTokensGiven);

    /// <summary>
    /// Engine options for one choice. OpenAI's semantics, not Ollama's defaults: temperature 1, top_p 1, no top-k,
    /// no min-p, and no repeat penalty — an OpenAI request has no repeat_penalty field, so the only penalties are
    /// presence_penalty and frequency_penalty, over every token so far. Context shift is on, as in Ollama's /v1,
    /// so an answer without max_tokens runs until it ends instead of failing when the context fills.
    /// Choice <paramref name="choice"/> of a seeded request uses seed + choice, so n choices differ yet reproduce.
    /// </summary>
    public static GenerationOptions Build(Sampling s, int choice, System.Text.Json.Nodes.JsonObject? modelParameters = null)
    {
        if (modelParameters is { Count: > 0 }) return BuildOverModel(s, choice, modelParameters);
        var temperature = InRange(s.Temperature, 0, 2, "temperature") ?? 1;
        var topP = InRange(s.TopP, 0, 1, "top_p") ?? 1;
        var presence = InRange(s.PresencePenalty, -2, 2, "presence_penalty") ?? 0;
        var frequency = InRange(s.FrequencyPenalty, -2, 2, "frequency_penalty") ?? 0;
        return new GenerationOptions
        {
            Sampling = new SamplingOptions
            {
                Temperature = (float)temperature,
                TopP = (float)topP,
                TopK = 0,
                MinP = 0,
                RepeatPenalty = 1,
                RepeatLastN = -1,
                PresencePenalty = (float)presence,
                FrequencyPenalty = (float)frequency,
                Seed = s.Seed + choice,
                LogitBias = LogitBias(s.LogitBias),
            },
            MaxTokens = s.MaxTokens,
            Stop = Stop(s.Stop),
            ContextShift = true,
        };
    }

    /// <summary>
    /// A library model's PARAMETERs (its Modelfile) fill in what the request leaves out, as they do on the Ollama API:
    /// OpenAI's neutral defaults first, the model's parameters over them, then every field the request names. The
    /// merged map is read by the Ollama option reader, so every Ollama parameter a Modelfile may hold applies.
    /// </summary>
    private static GenerationOptions BuildOverModel(Sampling s, int choice, System.Text.Json.Nodes.JsonObject model)
    {
        var merged = new System.Text.Json.Nodes.JsonObject
        {
            ["temperature"] = 1,
            ["top_p"] = 1,
            ["top_k"] = 0,
            ["min_p"] = 0,
            ["repeat_penalty"] = 1,
            ["repeat_last_n"] = -1,
        };
        foreach (var (key, value) in model) merged[key] = value?.DeepClone();
        if (InRange(s.Temperature, 0, 2, "temperature") is { } t) merged["temperature"] = t;
        if (InRange(s.TopP, 0, 1, "top_p") is { } p) merged["top_p"] = p;
        if (InRange(s.PresencePenalty, -2, 2, "presence_penalty") is { } presence) merged["presence_penalty"] = presence;
        if (InRange(s.FrequencyPenalty, -2, 2, "frequency_penalty") is { } frequency) merged["frequency_penalty"] = frequency;
        if (s.Seed is { } seed) merged["seed"] = seed;
        if (s.MaxTokensGiven || !merged.ContainsKey("num_predict")) merged["num_predict"] = s.MaxTokens;
        var stops = Stop(s.Stop);
        if (stops.Count > 0) merged["stop"] = new System.Text.Json.Nodes.JsonArray([.. stops.Select(x => (System.Text.Json.Nodes.JsonNode?)x)]);
        merged.Remove("num_ctx"); // the context window is the call's, see ContextLength
        var options = Takase.Server.Ollama.OptionsMapper.Map(JsonSerializer.SerializeToElement(merged)).Generation;
        return options with
        {
            Sampling = options.Sampling with
            {
                Seed = options.Sampling.Seed + choice,
                LogitBias = LogitBias(s.LogitBias),
            },
            ContextShift = true,
        };
    }

    /// <summary>The PARAMETERs of the library model a request names, or null (a loose GGUF file, or no such model: the
    /// inference call reports that).</summary>
    public static System.Text.Json.Nodes.JsonObject? ModelParameters(IServiceProvider services, string? model) =>
        string.IsNullOrWhiteSpace(model) ? null
            : (services.GetService(typeof(Takase.Server.Models.ModelCatalog)) as Takase.Server.Models.ModelCatalog)?.Find(model)?.Stored?.Parameters;

    /// <summary>The context window a library model's num_ctx PARAMETER asks for, or null (the server's default).</summary>
    public static int? ContextLength(System.Text.Json.Nodes.JsonObject? modelParameters) =>
        modelParameters?["num_ctx"] is { } ctx
            ? Takase.Server.Ollama.OptionsMapper.Map(JsonSerializer.SerializeToElement(new System.Text.Json.Nodes.JsonObject { ["num_ctx"] = ctx.DeepClone() })).ContextLength
            : null;

    /// <summary>n: 1 when absent, at most <see cref="MaxChoices"/>.</summary>
    public static int Choices(int? n)
    {
        if (n is null) return 1;
        if (n is < 1 or > MaxChoices)
            throw new OpenAiRequestException($"Invalid 'n': expected a value between 1 and {MaxChoices}, but got {n} instead.", "n");
        return n.Value;
    }

    /// <summary>A length limit: absent is -1 (until the answer ends); negative values are refused.</summary>
    public static int MaxTokens(int? value, string param)
    {
        if (value is null) return -1;
        if (value < 0)
            throw new OpenAiRequestException($"Invalid '{param}': expected a value of at least 0, but got {value} instead.", param);
        return value.Value;
    }

    /// <summary>A number that must lie in [min, max] when given.</summary>
    public static double? InRange(double? value, double min, double max, string param)
    {
        if (value is { } v && !(v >= min && v <= max))
            throw new OpenAiRequestException(
                $"Invalid '{param}': expected a value between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, but got {v.ToString(CultureInfo.InvariantCulture)} instead.", param);
        return value;
    }

    /// <summary>stop: a string or an array of strings; empty strings are dropped.</summary>
    public static IReadOnlyList<string> Stop(JsonElement? stop)
    {
        if (stop is not { } s || s.ValueKind == JsonValueKind.Null) return [];
        if (s.ValueKind == JsonValueKind.String) return s.GetString() is { Length: > 0 } one ? [one] : [];
        if (s.ValueKind != JsonValueKind.Array)
            throw new OpenAiRequestException($"Invalid type for 'stop': expected a string or an array of strings, but got {OpenAiJson.Describe(s)} instead.", "stop");
        var stops = new List<string>();
        var i = 0;
        foreach (var item in s.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw new OpenAiRequestException($"Invalid type for 'stop[{i}]': expected a string, but got {OpenAiJson.Describe(item)} instead.", $"stop[{i}]");
            if (item.GetString() is { Length: > 0 } text) stops.Add(text);
            i++;
        }
        if (stops.Count > MaxStops)
            throw new OpenAiRequestException($"Invalid 'stop': at most {MaxStops} stop sequences are allowed, but got {stops.Count}.", "stop");
        return stops;
    }

    /// <summary>logit_bias: {"token id": bias in [-100, 100]}.</summary>
    private static Dictionary<int, float>? LogitBias(Dictionary<string, double>? bias)
    {
        if (bias is null || bias.Count == 0) return null;
        var result = new Dictionary<int, float>();
        foreach (var (key, value) in bias)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var token))
                throw new OpenAiRequestException($"Invalid 'logit_bias': keys must be token ids (non-negative integers as strings), but got '{key}'.", "logit_bias");
            InRange(value, -100, 100, $"logit_bias.{key}");
            result[token] = (float)value;
        }
        return result;
    }
}
