namespace Takase.Engine.Models;

/// <summary>How RoPE pairs the dimensions of a head: adjacent pairs (GPT-J, GGUF "llama") or halves (GPT-NeoX, Qwen2).</summary>
public enum RopeStyle
{
    /// <summary>Rotates (x[2i], x[2i+1]).</summary>
    Normal,
    /// <summary>Rotates (x[i], x[i + n/2]).</summary>
    NeoX,
}

/// <summary>How token states become one embedding vector (GGUF pooling_type; decoders default to mean).</summary>
public enum PoolingType
{
    /// <summary>Average over all tokens.</summary>
    Mean,
    /// <summary>The first token's state.</summary>
    Cls,
    /// <summary>The last token's state (decoder embedding models such as Qwen3-Embedding).</summary>
    Last,
}

/// <summary>The hyper-parameters of a decoder-only transformer, read from GGUF metadata.</summary>
public sealed record ModelConfig
{
    /// <summary>general.architecture.</summary>
    public required string Architecture { get; init; }
    /// <summary>Width of the residual stream.</summary>
    public required int EmbeddingLength { get; init; }
    /// <summary>Number of transformer blocks.</summary>
    public required int BlockCount { get; init; }
    /// <summary>Query heads.</summary>
    public required int HeadCount { get; init; }
    /// <summary>Key/value heads (fewer than query heads under grouped-query attention).</summary>
    public required int KvHeadCount { get; init; }
    /// <summary>Dimensions per head.</summary>
    public required int HeadDim { get; init; }
    /// <summary>Hidden width of the feed-forward block.</summary>
    public required int FeedForwardLength { get; init; }
    /// <summary>Vocabulary size (rows of the embedding table).</summary>
    public required int VocabSize { get; init; }
    /// <summary>The context length the model was trained for.</summary>
    public required int TrainedContextLength { get; init; }
    /// <summary>RMSNorm epsilon.</summary>
    public required float RmsNormEps { get; init; }
    /// <summary>RoPE base frequency.</summary>
    public required float RopeFreqBase { get; init; }
    /// <summary>Linear RoPE position scale (1 = none): positions are multiplied by 1/factor.</summary>
    public float RopeLinearScale { get; init; } = 1f;
    /// <summary>Dimensions of each head that RoPE rotates.</summary>
    public required int RopeDimensions { get; init; }
    /// <summary>Pairing of rotated dimensions.</summary>
    public required RopeStyle RopeStyle { get; init; }

    /// <summary>Pooling of token states for embeddings.</summary>
    public PoolingType Pooling { get; init; } = PoolingType.Mean;

    /// <summary>Query heads that share one key/value head.</summary>
    public int GroupSize => HeadCount / KvHeadCount;
    /// <summary>Width of the key (and value) projection.</summary>
    public int KvDim => KvHeadCount * HeadDim;
    /// <summary>Width of the query projection.</summary>
    public int QDim => HeadCount * HeadDim;
}
