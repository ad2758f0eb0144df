using Takase.Engine.Models;

namespace Takase.Engine.Generation;

/// <summary>
/// Room for one sequence: a KV cache, the scratch state of the forward pass, and the tokens the sequence holds.
/// A slot outlives the requests it serves, so a follow-up request that starts with the same tokens (the next turn
/// of a chat) reuses the cached prefix.
/// </summary>
public sealed class SequenceSlot
{
    private readonly TransformerModel _model;

    /// <summary>Creates a slot with a cache of <paramref name="contextLength"/> positions.</summary>
    public SequenceSlot(TransformerModel model, int contextLength)
    {
        _model = model;
        State = model.CreateState(model.CreateCache(contextLength));
    }

    /// <summary>Forward-pass state, with the cache.</summary>
    public ForwardState State { get; private set; }
    /// <summary>The cache.</summary>
    public KvCache Cache => State.Cache;
    /// <summary>Positions the cache holds.</summary>
    public int ContextLength => Cache.Capacity;
    /// <summary>The sequence: evaluated tokens, possibly followed by one sampled but not yet evaluated.</summary>
    public List<int> Tokens { get; } = [];

    /// <summary>Gives the slot a cache of a different size (its contents are lost).</summary>
    public void Resize(int contextLength)
    {
        if (contextLength == ContextLength) return;
        Tokens.Clear();
        State = _model.CreateState(_model.CreateCache(contextLength));
    }

    /// <summary>How many leading tokens of <paramref name="prompt"/> the cache already holds.</summary>
    public int CachedPrefix(IReadOnlyList<int> prompt)
    {
        var n = 0;
        var limit = Math.Min(Math.Min(Tokens.Count, prompt.Count), Cache.Length);
        while (n < limit && Tokens[n] == prompt[n]) n++;
        return n;
    }

    /// <summary>Keeps only the first <paramref name="length"/> tokens.</summary>
    public void Rewind(int length)
    {
        Tokens.RemoveRange(length, Tokens.Count - length);
        Cache.Truncate(Math.Min(length, Cache.Length));
    }

    /// <summary>Forgets everything.</summary>
    public void Clear()
    {
        Tokens.Clear();
        Cache.Clear();
    }
}
