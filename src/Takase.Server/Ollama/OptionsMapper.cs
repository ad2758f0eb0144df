using System.Text.Json;
using Takase.Engine.Generation;
using Takase.Engine.Sampling;

namespace Takase.Server.Ollama;

/// <summary>What a request's "options" object asks of the engine.</summary>
/// <param name="Generation">Sampling, length, stop strings, context shift.</param>
/// <param name="ContextLength">num_ctx, or null for the model's default.</param>
public sealed record RuntimeOptions(GenerationOptions Generation, int? ContextLength);

/// <summary>
/// Reads Ollama's "options" map (api/types.go Options and Runner) into engine settings. Every option Ollama defines
/// is accepted; those that steer the CPU engine apply, the others (num_gpu, num_thread, use_mmap, …) are type-checked
/// and ignored; unknown keys are ignored as Ollama does. A value of the wrong JSON type or out of range is an
/// <see cref="ArgumentException"/> that names the option, so the client gets a 400 it can act on.
/// </summary>
public static class OptionsMapper
{
    /// <summary>Largest num_ctx a request may ask for.</summary>
    public const int MaxContextLength = 1 << 20;

    private enum Kind { Integer, Number, Boolean, Strings }

    // Ollama's options with their JSON types; the first group is applied, the rest accepted and ignored.
    private static readonly Dictionary<string, Kind> Known = new(StringComparer.Ordinal)
    {
        ["num_ctx"] = Kind.Integer,
        ["num_predict"] = Kind.Integer,
        ["num_keep"] = Kind.Integer,
        ["seed"] = Kind.Integer,
        ["top_k"] = Kind.Integer,
        ["repeat_last_n"] = Kind.Integer,
        ["temperature"] = Kind.Number,
        ["top_p"] = Kind.Number,
        ["min_p"] = Kind.Number,
        ["repeat_penalty"] = Kind.Number,
        ["presence_penalty"] = Kind.Number,
        ["frequency_penalty"] = Kind.Number,
        ["stop"] = Kind.Strings,
        // Runner and legacy options: meaningful to llama.cpp/GPU runners, not to this engine.
        ["num_batch"] = Kind.Integer,
        ["num_gpu"] = Kind.Integer,
        ["main_gpu"] = Kind.Integer,
        ["num_thread"] = Kind.Integer,
        ["mirostat"] = Kind.Integer,
        ["num_gqa"] = Kind.Integer,
        ["draft_num_predict"] = Kind.Integer,
        ["typical_p"] = Kind.Number,
        ["tfs_z"] = Kind.Number,
        ["mirostat_tau"] = Kind.Number,
        ["mirostat_eta"] = Kind.Number,
        ["rope_frequency_base"] = Kind.Number,
        ["rope_frequency_scale"] = Kind.Number,
        ["numa"] = Kind.Boolean,
        ["low_vram"] = Kind.Boolean,
        ["f16_kv"] = Kind.Boolean,
        ["logits_all"] = Kind.Boolean,
        ["vocab_only"] = Kind.Boolean,
        ["use_mmap"] = Kind.Boolean,
        ["use_mlock"] = Kind.Boolean,
        ["penalize_newline"] = Kind.Boolean,
        ["embedding_only"] = Kind.Boolean,
    };

    /// <summary>
    /// The request's options over the model's own PARAMETERs (a library model made from a Modelfile), as Ollama merges
    /// them: every option the request names wins, the model fills in the rest.
    /// </summary>
    public static JsonElement? WithModelDefaults(JsonElement? options, System.Text.Json.Nodes.JsonObject? parameters)
    {
        if (parameters is null || parameters.Count == 0) return options;
        var merged = (System.Text.Json.Nodes.JsonObject)parameters.DeepClone();
        if (options is { ValueKind: JsonValueKind.Object } given)
            foreach (var property in given.EnumerateObject())
                merged[property.Name] = System.Text.Json.Nodes.JsonNode.Parse(property.Value.GetRawText());
        else if (options is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) })
            return options; // not an object: let Map report the type error
        return JsonSerializer.SerializeToElement(merged);
    }

    /// <summary>
    /// Maps <paramref name="options"/> (absent, null or a JSON object). <paramref name="shift"/> is the request's
    /// shift field (Ollama: context shifting is on unless the request turns it off).
    /// </summary>
    /// <exception cref="ArgumentException">an option has the wrong type or an absurd value.</exception>
    public static RuntimeOptions Map(JsonElement? options, bool shift = true)
    {
        var sampling = new SamplingOptions();
        // Ollama keeps 4 tokens (typically BOS and the template's start) when it shifts the context.
        var generation = new GenerationOptions { ContextShift = shift, KeepTokens = 4 };
        int? contextLength = null;
        if (options is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } o)
        {
            if (o.ValueKind != JsonValueKind.Object)
                throw new ArgumentException($"options must be a JSON object such as {{\"temperature\": 0.7}}, not {Describe(o)}");
            foreach (var p in o.EnumerateObject())
            {
                if (!Known.TryGetValue(p.Name, out var kind) || p.Value.ValueKind == JsonValueKind.Null) continue;
                var v = p.Value;
                switch (p.Name)
                {
                    case "num_ctx":
                        contextLength = Integer(p.Name, v, 1, MaxContextLength, "the context window in tokens");
                        break;
                    case "num_predict":
                        // -1: no limit; -2: Ollama's old "until the context is full", which context shifting makes the same.
                        var n = Integer(p.Name, v, -2, int.MaxValue, "-1 for no limit or a token count");
                        generation = generation with { MaxTokens = n == -2 ? -1 : n };
                        break;
                    case "num_keep":
                        generation = generation with { KeepTokens = Integer(p.Name, v, 0, MaxContextLength, "tokens kept when the context shifts") };
                        break;
                    case "seed":
                        var seed = LongInteger(p.Name, v);
                        sampling = sampling with { Seed = seed < 0 ? null : seed };
                        break;
                    case "top_k":
                        sampling = sampling with { TopK = Integer(p.Name, v, 0, int.MaxValue, "0 (all tokens) or a positive count") };
                        break;
                    case "repeat_last_n":
                        sampling = sampling with { RepeatLastN = Integer(p.Name, v, -1, int.MaxValue, "-1 (whole context), 0 (off) or a window") };
                        break;
                    case "temperature":
                        sampling = sampling with { Temperature = Number(p.Name, v, 0, float.MaxValue, "0 (greedy) or more") };
                        break;
                    case "top_p":
                        sampling = sampling with { TopP = Number(p.Name, v, 0, 1, "between 0 and 1") };
                        break;
                    case "min_p":
                        sampling = sampling with { MinP = Number(p.Name, v, 0, 1, "between 0 and 1") };
                        break;
                    case "repeat_penalty":
                        sampling = sampling with { RepeatPenalty = Number(p.Name, v, float.Epsilon, float.MaxValue, "positive (1 is off)") };
                        break;
                    case "presence_penalty":
                        sampling = sampling with { PresencePenalty = Number(p.Name, v, float.MinValue, float.MaxValue, "a finite number") };
                        break;
                    case "frequency_penalty":
                        sampling = sampling with { FrequencyPenalty = Number(p.Name, v, float.MinValue, float.MaxValue, "a finite number") };
                        break;
                    case "stop":
                        generation = generation with { Stop = Strings(p.Name, v) };
                        break;
                    default:
                        CheckType(p.Name, v, kind);
                        break;
                }
            }
        }
        generation = generation with { Sampling = sampling };
        generation.Validate();
        return new RuntimeOptions(generation, contextLength);
    }

    /// <summary>Reads only num_ctx (for routes where sampling does not apply, such as embeddings).</summary>
    public static int? ContextLength(JsonElement? options) => Map(options).ContextLength;

    private static void CheckType(string name, JsonElement v, Kind kind)
    {
        switch (kind)
        {
            case Kind.Integer: LongInteger(name, v); break;
            case Kind.Number: Number(name, v, float.MinValue, float.MaxValue, "a number"); break;
            case Kind.Boolean:
                if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    throw new ArgumentException($"option \"{name}\" must be true or false, not {Describe(v)}");
                break;
            case Kind.Strings: Strings(name, v); break;
        }
    }

    private static int Integer(string name, JsonElement v, int min, int max, string meaning)
    {
        var value = LongInteger(name, v);
        if (value < min || value > max)
            throw new ArgumentException($"option \"{name}\" must be between {min} and {max} ({meaning}), not {value}");
        return (int)value;
    }

    private static long LongInteger(string name, JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Number)
            throw new ArgumentException($"option \"{name}\" must be an integer, not {Describe(v)}");
        if (v.TryGetInt64(out var l)) return l;
        // 40.0 is an integer written as a float; 1.5 or 1e30 is not one the option can mean.
        var d = v.GetDouble();
        if (d == Math.Floor(d) && d is >= long.MinValue and <= long.MaxValue) return (long)d;
        throw new ArgumentException($"option \"{name}\" must be an integer, not {v.GetRawText()}");
    }

    private static float Number(string name, JsonElement v, float min, float max, string meaning)
    {
        if (v.ValueKind != JsonValueKind.Number)
            throw new ArgumentException($"option \"{name}\" must be a number, not {Describe(v)}");
        var d = v.GetDouble();
        if (!double.IsFinite(d) || d < min || d > max)
            throw new ArgumentException($"option \"{name}\" must be {meaning}, not {v.GetRawText()}");
        return (float)d;
    }

    private static IReadOnlyList<string> Strings(string name, JsonElement v)
    {
        // Ollama takes an array; a single string is what people write by hand, so it is one stop string.
        if (v.ValueKind == JsonValueKind.String) return NonEmpty(name, [v.GetString()!]);
        if (v.ValueKind != JsonValueKind.Array)
            throw new ArgumentException($"option \"{name}\" must be an array of strings, not {Describe(v)}");
        var list = new List<string>();
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw new ArgumentException($"option \"{name}\" must be an array of strings; element {list.Count} is {Describe(item)}");
            list.Add(item.GetString()!);
        }
        return NonEmpty(name, list);
    }

    private static IReadOnlyList<string> NonEmpty(string name, IReadOnlyList<string> values) =>
        values.Any(s => s.Length == 0) ? throw new ArgumentException($"option \"{name}\" cannot contain an empty string") : values;

    /// <summary>A short description of a JSON value for error messages: its type and, when short, its text.</summary>
    internal static string Describe(JsonElement v)
    {
        var kind = v.ValueKind switch
        {
            JsonValueKind.String => "the string",
            JsonValueKind.Number => "the number",
            JsonValueKind.True or JsonValueKind.False => "the boolean",
            JsonValueKind.Array => "an array",
            JsonValueKind.Object => "an object",
            _ => "null",
        };
        var text = v.GetRawText();
        return v.ValueKind is JsonValueKind.Array or JsonValueKind.Object or JsonValueKind.Null || text.Length > 40 ? kind : $"{kind} {text}";
    }
}
