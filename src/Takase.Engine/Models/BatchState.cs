namespace Takase.Engine.Models;

/// <summary>
/// Scratch of a batched forward step: the activations of up to <see cref="Capacity"/> columns (prompt tokens of one
/// sequence, or one token each of several sequences), stored column after column so every projection is one
/// matrix–matrix product. Allocated once (on the pinned heap, so kernels take pointers) and reused for every step.
/// </summary>
public sealed unsafe class BatchState
{
    private readonly ModelConfig _config;

    internal BatchState(ModelConfig c, int capacity, int loraRank)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _config = c;
        Capacity = capacity;
        X = Pinned(capacity * c.EmbeddingLength);
        Xb = Pinned(capacity * c.EmbeddingLength);
        Q = Pinned(capacity * c.QDim);
        K = Pinned(capacity * c.KvDim);
        V = Pinned(capacity * c.KvDim);
        AttnOut = Pinned(capacity * c.QDim);
        Hidden = Pinned(capacity * c.FeedForwardLength);
        Hidden2 = Pinned(capacity * c.FeedForwardLength);
        LoraScratch = new float[loraRank];
        RopeAngles = new float[capacity * c.RopeDimensions];
        Caches = new KvCache[capacity];
        Positions = new int[capacity];
        KeyPointers = GC.AllocateArray<nint>(capacity, pinned: true);
        ValuePointers = GC.AllocateArray<nint>(capacity, pinned: true);
        Lengths = GC.AllocateArray<int>(capacity, pinned: true);
    }

    /// <summary>Columns one step can hold.</summary>
    public int Capacity { get; }

    internal float[] X { get; }
    internal float[] Xb { get; }
    internal float[] Q { get; }
    internal float[] K { get; }
    internal float[] V { get; }
    internal float[] AttnOut { get; }
    internal float[] Hidden { get; }
    internal float[] Hidden2 { get; }
    internal float[] LoraScratch { get; }
    /// <summary>Per column: cos and sin of its position's rotary angles.</summary>
    internal float[] RopeAngles { get; }
    /// <summary>Per column: the cache it reads and writes, and the position its token takes.</summary>
    internal KvCache[] Caches { get; }
    internal int[] Positions { get; }
    /// <summary>Per column, for the attention kernel: the current layer's key and value rows, and positions to attend.</summary>
    internal nint[] KeyPointers { get; }
    internal nint[] ValuePointers { get; }
    internal int[] Lengths { get; }

    /// <summary>Logits of the columns that asked for them (grown on first use: vocab × columns is large).</summary>
    internal float[] Logits(int columns)
    {
        var need = columns * _config.VocabSize;
        if (_logits is null || _logits.Length < need) _logits = new float[Math.Max(need, Capacity * _config.VocabSize)];
        return _logits;
    }

    private float[]? _logits;

    private static float[] Pinned(int length) => GC.AllocateArray<float>(length, pinned: true);
}
