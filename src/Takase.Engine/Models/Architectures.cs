using Takase.Engine.Gguf;

namespace Takase.Engine.Models;

/// <summary>
/// The architectures Takase can run, and what distinguishes each. Adding a family means one entry here plus,
/// where its math differs, a branch in <see cref="TransformerModel"/>.
/// </summary>
public static class Architectures
{
    /// <summary>What varies between the llama-like families.</summary>
    /// <param name="Name">general.architecture value.</param>
    /// <param name="Rope">How RoPE pairs dimensions.</param>
    /// <param name="QkvBias">Whether the Q/K/V projections carry biases.</param>
    public sealed record Family(string Name, RopeStyle Rope, bool QkvBias);

    private static readonly Family[] Supported =
    [
        new("llama", RopeStyle.Normal, QkvBias: false),
        new("qwen2", RopeStyle.NeoX, QkvBias: true),
    ];

    /// <summary>Names of the supported architectures.</summary>
    public static IReadOnlyList<string> Names { get; } = Supported.Select(f => f.Name).ToArray();

    /// <summary>The family named <paramref name="architecture"/>, or a clear error naming it and the supported ones.</summary>
    public static Family Get(string? architecture) =>
        Supported.FirstOrDefault(f => f.Name == architecture)
        ?? throw new NotSupportedException(architecture is null
            ? $"the model file has no general.architecture; supported architectures: {string.Join(", ", Names)}"
            : $"architecture '{architecture}' is not supported; supported architectures: {string.Join(", ", Names)}");

    /// <summary>Reads the hyper-parameters of a model from its GGUF metadata.</summary>
    public static ModelConfig ReadConfig(GgufFile file)
    {
        var family = Get(file.Architecture);
        var a = family.Name;
        long Required(string key) => file.GetInteger($"{a}.{key}")
            ?? throw new GgufFormatException($"{file.Path}: metadata '{a}.{key}' is missing");

        var embd = Checked(Required("embedding_length"), "embedding_length", file);
        var heads = Checked(Required("attention.head_count"), "attention.head_count", file);
        var kvHeads = Checked(file.GetInteger($"{a}.attention.head_count_kv") ?? heads, "attention.head_count_kv", file);
        if (heads % kvHeads != 0) throw new GgufFormatException($"{file.Path}: {heads} query heads cannot be shared by {kvHeads} key/value heads");
        var headDim = Checked(file.GetInteger($"{a}.attention.key_length") ?? embd / heads, "attention.key_length", file);
        var vocab = file.GetTensor("token_embd.weight").Shape[1];
        var scalingType = file.GetString($"{a}.rope.scaling.type");
        var linearScale = scalingType == "linear" ? file.GetFloat($"{a}.rope.scaling.factor") ?? 1f : 1f;
        if (scalingType is not (null or "none" or "linear"))
            throw new NotSupportedException($"{file.Path}: RoPE scaling type '{scalingType}' is not supported yet (supported: none, linear, and llama3 through rope_freqs)");
        return new ModelConfig
        {
            Architecture = a,
            EmbeddingLength = embd,
            BlockCount = Checked(Required("block_count"), "block_count", file),
            HeadCount = heads,
            KvHeadCount = kvHeads,
            HeadDim = headDim,
            FeedForwardLength = Checked(Required("feed_forward_length"), "feed_forward_length", file),
            VocabSize = (int)vocab,
            TrainedContextLength = Checked(file.GetInteger($"{a}.context_length") ?? 2048, "context_length", file),
            RmsNormEps = file.GetFloat($"{a}.attention.layer_norm_rms_epsilon") ?? 1e-5f,
            RopeFreqBase = file.GetFloat($"{a}.rope.freq_base") ?? 10000f,
            RopeLinearScale = linearScale is > 0 and not 1f ? 1f / linearScale : 1f,
            RopeDimensions = Checked(file.GetInteger($"{a}.rope.dimension_count") ?? headDim, "rope.dimension_count", file),
            RopeStyle = family.Rope,
            Pooling = (file.GetInteger($"{a}.pooling_type") ?? 0) switch
            {
                2 => PoolingType.Cls,
                3 => PoolingType.Last,
                _ => PoolingType.Mean,
            },
        };
    }

    private static int Checked(long value, string key, GgufFile file) =>
        value is > 0 and <= 1 << 24 ? (int)value
            : throw new GgufFormatException($"{file.Path}: metadata '{key}' = {value} is out of range");
}
