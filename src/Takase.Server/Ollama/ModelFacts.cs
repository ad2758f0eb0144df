using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Takase.Engine.Gguf;
using Takase.Engine.Tensors;
using Takase.Server.Models;

namespace Takase.Server.Ollama;

/// <summary>
/// What Ollama's listing routes say about a model file, read from its GGUF header without loading the weights:
/// family, parameter size, quantization, context length, chat template and capabilities. Cached per file version
/// (path, size, modification time), so /api/tags stays cheap.
/// </summary>
public sealed record ModelFacts
{
    private static readonly ConcurrentDictionary<(string Path, long Size, DateTimeOffset Modified), ModelFacts> Cache = new();

    /// <summary>general.architecture.</summary>
    public required string Family { get; init; }
    /// <summary>Parameters (general.parameter_count, else the sum of tensor elements).</summary>
    public required long ParameterCount { get; init; }
    /// <summary>llama.cpp file-type name ("Q8_0", "F16", "Q4_K_M").</summary>
    public required string QuantizationLevel { get; init; }
    /// <summary>&lt;arch&gt;.context_length, or null.</summary>
    public int? ContextLength { get; init; }
    /// <summary>tokenizer.chat_template, or null for plain-completion models.</summary>
    public string? ChatTemplate { get; init; }
    /// <summary>general.license, or null.</summary>
    public string? License { get; init; }
    /// <summary>Texts of the tokens that end a generation (EOS, EOT, EOM), for the Modelfile's stop parameters.</summary>
    public IReadOnlyList<string> StopTokens { get; init; } = [];
    /// <summary>Texts of the fill-in-the-middle tokens (prefix, suffix, middle) when the model has them.</summary>
    public (string Prefix, string Suffix, string Middle)? FillInMiddle { get; init; }
    /// <summary>Whether the file declares pooling for embeddings (an embedding model).</summary>
    public bool IsEmbedding { get; init; }

    /// <summary>The template asks for tools (Ollama's "tools" capability).</summary>
    public bool SupportsTools => ChatTemplate?.Contains("tools", StringComparison.Ordinal) == true;
    /// <summary>The template has a &lt;think&gt; block (Ollama's "thinking" capability).</summary>
    public bool SupportsThinking => ChatTemplate?.Contains("<think>", StringComparison.Ordinal) == true;

    /// <summary>Ollama's capability names, in Ollama's order.</summary>
    public IReadOnlyList<string> Capabilities
    {
        get
        {
            List<string> caps = [IsEmbedding ? "embedding" : "completion"];
            if (SupportsTools) caps.Add("tools");
            if (FillInMiddle is not null) caps.Add("insert");
            if (SupportsThinking) caps.Add("thinking");
            return caps;
        }
    }

    /// <summary>The details block of /api/tags, /api/show and /api/ps.</summary>
    public ModelDetails Details => new()
    {
        Family = Family,
        Families = [Family],
        ParameterSize = FormatParameterCount(ParameterCount),
        QuantizationLevel = QuantizationLevel,
    };

    /// <summary>The facts of <paramref name="entry"/>, read once per file version.</summary>
    /// <exception cref="GgufFormatException">the file is not a readable GGUF file.</exception>
    public static ModelFacts For(ModelEntry entry) =>
        Cache.GetOrAdd((entry.Path, entry.Size, entry.ModifiedAt), _ =>
        {
            using var file = GgufFile.Open(entry.Path);
            return Read(file);
        });

    /// <summary>Reads the facts from an open file.</summary>
    public static ModelFacts Read(GgufFile file)
    {
        var arch = file.Architecture ?? "unknown";
        var tokens = file.Metadata.ContainsKey("tokenizer.ggml.tokens") ? file.GetStringArray("tokenizer.ggml.tokens") : null;
        string? TokenText(string key) =>
            file.GetInteger(key) is { } id && tokens is not null && id >= 0 && id < tokens.Length ? tokens[id] : null;
        var fim = (TokenText("tokenizer.ggml.fim_pre_token_id"), TokenText("tokenizer.ggml.fim_suf_token_id"), TokenText("tokenizer.ggml.fim_mid_token_id"));
        return new ModelFacts
        {
            Family = arch,
            ParameterCount = file.GetInteger("general.parameter_count") ?? file.Tensors.Sum(t => t.ElementCount),
            QuantizationLevel = Quantization(file),
            ContextLength = file.GetInteger($"{arch}.context_length") is { } c ? (int)c : null,
            ChatTemplate = file.GetString("tokenizer.chat_template"),
            License = file.Metadata.TryGetValue("general.license", out var license) ? license.Value as string : null,
            StopTokens = new[] { "tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id" }
                .Select(TokenText).OfType<string>().Distinct().ToList(),
            FillInMiddle = fim is ({ } p, { } s, { } m) ? (p, s, m) : null,
            IsEmbedding = file.Metadata.ContainsKey($"{arch}.pooling_type"),
        };
    }

    /// <summary>
    /// The GGUF metadata as /api/show's model_info: every key with its value, except general.name and the chat
    /// template (shown elsewhere), and with arrays longer than five elements emptied unless <paramref name="verbose"/>
    /// (vocabularies run to hundreds of thousands of entries) — what Ollama does. general.parameter_count is added
    /// when the file lacks it.
    /// </summary>
    public static IReadOnlyDictionary<string, JsonNode?> ModelInfo(GgufFile file, bool verbose)
    {
        var info = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var key in file.MetadataKeys)
        {
            if (key is "general.name" or "tokenizer.chat_template") continue;
            info[key] = ToJson(file.Metadata[key].Value, verbose);
        }
        if (!info.ContainsKey("general.parameter_count")) info["general.parameter_count"] = file.Tensors.Sum(t => t.ElementCount);
        return info;
    }

    private static JsonNode? ToJson(object value, bool verbose) => value switch
    {
        GgufArray a when !verbose && a.Length > 5 => new JsonArray(),
        GgufArray a => new JsonArray(a.Items.Cast<object>().Select(item => ToJson(item, verbose)).ToArray()),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        float f => float.IsFinite(f) ? JsonValue.Create(f) : null,
        double d => double.IsFinite(d) ? JsonValue.Create(d) : null,
        byte or sbyte or short or ushort or int or uint or long => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        ulong u => JsonValue.Create(u),
        _ => JsonValue.Create(value.ToString()),
    };

    /// <summary>
    /// A parameter count in Ollama's short form: one decimal for billions ("7.6B", "8B"), two for millions
    /// ("494.03M", "7M"), none for thousands ("292K").
    /// </summary>
    public static string FormatParameterCount(long count)
    {
        static string Scaled(double n, string decimals, string unit) =>
            (n == Math.Floor(n) ? n.ToString("F0", CultureInfo.InvariantCulture) : n.ToString(decimals, CultureInfo.InvariantCulture)) + unit;
        return count switch
        {
            >= 1_000_000_000 => Scaled(count / 1e9, "F1", "B"),
            >= 1_000_000 => Scaled(count / 1e6, "F2", "M"),
            >= 1_000 => (count / 1e3).ToString("F0", CultureInfo.InvariantCulture) + "K",
            _ => count.ToString(CultureInfo.InvariantCulture),
        };
    }

    // llama.cpp's LLAMA_FTYPE values as written to general.file_type.
    private static readonly Dictionary<long, string> FileTypes = new()
    {
        [0] = "F32", [1] = "F16", [2] = "Q4_0", [3] = "Q4_1", [7] = "Q8_0", [8] = "Q5_0", [9] = "Q5_1",
        [10] = "Q2_K", [11] = "Q3_K_S", [12] = "Q3_K_M", [13] = "Q3_K_L", [14] = "Q4_K_S", [15] = "Q4_K_M",
        [16] = "Q5_K_S", [17] = "Q5_K_M", [18] = "Q6_K", [19] = "IQ2_XXS", [20] = "IQ2_XS", [21] = "Q2_K_S",
        [22] = "IQ3_XS", [23] = "IQ3_XXS", [24] = "IQ1_S", [25] = "IQ4_NL", [26] = "IQ3_S", [27] = "IQ3_M",
        [28] = "IQ2_S", [29] = "IQ2_M", [30] = "IQ4_XS", [31] = "IQ1_M", [32] = "BF16", [36] = "TQ1_0", [37] = "TQ2_0",
        [38] = "MXFP4_MOE",
    };

    /// <summary>general.file_type by name; files without it are named after the type holding most weight bytes.</summary>
    private static string Quantization(GgufFile file)
    {
        if (file.GetInteger("general.file_type") is { } ft && FileTypes.TryGetValue(ft, out var name)) return name;
        var dominant = file.Tensors.Where(t => t.Shape.Length >= 2)
            .GroupBy(t => t.Type)
            .OrderByDescending(g => g.Sum(t => t.ByteSize))
            .Select(g => (GgmlType?)g.Key)
            .FirstOrDefault();
        return dominant?.ToString() ?? "unknown";
    }
}
