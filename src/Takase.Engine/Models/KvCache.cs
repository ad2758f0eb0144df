using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Takase.Engine.Models;

/// <summary>
/// Keys and values of past positions for one sequence, per layer, in float32, sized once for the context the caller
/// asked for. Writing past the end is a clear error unless the caller shifts the context first. The rows live on the
/// pinned object heap, so the batched attention kernels can address several sequences' caches by pointer.
/// </summary>
public sealed unsafe class KvCache
{
    private readonly float[][] _keys;
    private readonly float[][] _values;
    private readonly int _kvDim;

    /// <summary>Positions the cache can hold.</summary>
    public int Capacity { get; }
    /// <summary>Positions filled so far; the next token goes at this position.</summary>
    public int Length { get; private set; }

    /// <summary>Allocates a cache for <paramref name="capacity"/> positions.</summary>
    public KvCache(ModelConfig config, int capacity)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the context must hold at least one token");
        Capacity = capacity;
        _kvDim = config.KvDim;
        _keys = new float[config.BlockCount][];
        _values = new float[config.BlockCount][];
        for (var l = 0; l < config.BlockCount; l++)
        {
            _keys[l] = GC.AllocateArray<float>(capacity * _kvDim, pinned: true);
            _values[l] = GC.AllocateArray<float>(capacity * _kvDim, pinned: true);
        }
    }

    /// <summary>Bytes the cache occupies.</summary>
    public long ByteSize => 2L * _keys.Length * Capacity * _kvDim * sizeof(float);

    /// <summary>Key row of <paramref name="layer"/> at <paramref name="position"/>.</summary>
    public Span<float> Key(int layer, int position) => _keys[layer].AsSpan(position * _kvDim, _kvDim);
    /// <summary>Value row of <paramref name="layer"/> at <paramref name="position"/>.</summary>
    public Span<float> Value(int layer, int position) => _values[layer].AsSpan(position * _kvDim, _kvDim);
    /// <summary>Keys of positions [0, count) of a layer, row after row.</summary>
    public ReadOnlySpan<float> Keys(int layer, int count) => _keys[layer].AsSpan(0, count * _kvDim);
    /// <summary>Values of positions [0, count) of a layer, row after row.</summary>
    public ReadOnlySpan<float> Values(int layer, int count) => _values[layer].AsSpan(0, count * _kvDim);

    /// <summary>Address of the first key of <paramref name="layer"/> (the array is pinned for the cache's lifetime).</summary>
    internal float* KeysPointer(int layer) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_keys[layer]));
    /// <summary>Address of the first value of <paramref name="layer"/>.</summary>
    internal float* ValuesPointer(int layer) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_values[layer]));

    /// <summary>Claims the next position; throws <see cref="ContextOverflowException"/> when the cache is full.</summary>
    internal int Advance() => Advance(1);

    /// <summary>Claims the next <paramref name="count"/> positions and returns the first; throws
    /// <see cref="ContextOverflowException"/> (claiming none) when they do not fit.</summary>
    internal int Advance(int count)
    {
        if (count > Capacity - Length) throw new ContextOverflowException(Capacity, count == 1 ? null : Length + count);
        var first = Length;
        Length += count;
        return first;
    }

    /// <summary>Forgets positions from <paramref name="length"/> on (e.g. to reuse a shared prompt prefix).</summary>
    public void Truncate(int length)
    {
        if (length < 0 || length > Length) throw new ArgumentOutOfRangeException(nameof(length), length, $"the cache holds {Length} positions");
        Length = length;
    }

    /// <summary>Empties the cache.</summary>
    public void Clear() => Length = 0;
}

/// <summary>The sequence reached the end of the context window.</summary>
public sealed class ContextOverflowException(int capacity, int? needed = null)
    : InvalidOperationException(needed is { } n
        ? $"the prompt has {n} tokens, more than the context window of {capacity} tokens; shorten it, ask for a larger context (--ctx / num_ctx), or allow truncation"
        : $"the context window of {capacity} tokens is full; start a new conversation, ask for a larger context (--ctx / num_ctx), or enable context shifting")
{
    /// <summary>Capacity of the full window.</summary>
    public int Capacity { get; } = capacity;
}
