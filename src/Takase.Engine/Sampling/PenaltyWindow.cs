namespace Takase.Engine.Sampling;

/// <summary>
/// The last N accepted tokens as the repetition penalties see them: how often each token occurs in the window
/// and which tokens occur at all. Kept up to date on every <see cref="Add"/>, so applying the penalties costs
/// O(distinct tokens in the window) and allocates nothing.
/// </summary>
internal sealed class PenaltyWindow
{
    private readonly int _window;           // tokens looked at; -1 for all of them
    private readonly int[] _counts;         // occurrences in the window, by token id
    private readonly int[] _distinct;       // the ids with a non-zero count, in no particular order
    private readonly int[] _distinctSlot;   // where each such id sits in _distinct
    private int _distinctCount;
    private int[] _history = new int[64];   // accepted tokens, oldest first; the window is the tail
    private int _historyCount;

    public PenaltyWindow(int window, int vocabSize)
    {
        _window = window;
        _counts = new int[vocabSize];
        _distinct = new int[vocabSize];
        _distinctSlot = new int[vocabSize];
    }

    /// <summary>The ids that occur in the window.</summary>
    public ReadOnlySpan<int> DistinctTokens => _distinct.AsSpan(0, _distinctCount);

    /// <summary>How often <paramref name="token"/> occurs in the window.</summary>
    public int Count(int token) => _counts[token];

    public void Add(int token)
    {
        if (_window == 0) return;
        if (_historyCount == _history.Length)
        {
            // A bounded window needs only its own tokens: slide them to the front instead of growing.
            if (_window > 0 && _window <= _history.Length / 2)
            {
                Array.Copy(_history, _historyCount - _window, _history, 0, _window);
                _historyCount = _window;
            }
            else
            {
                Array.Resize(ref _history, _history.Length * 2);
            }
        }
        _history[_historyCount++] = token;
        Increment(token);
        if (_window > 0 && _historyCount > _window)
            Decrement(_history[_historyCount - 1 - _window]);
    }

    public void Clear()
    {
        foreach (var token in DistinctTokens) _counts[token] = 0;
        _distinctCount = 0;
        _historyCount = 0;
    }

    private void Increment(int token)
    {
        if (_counts[token]++ != 0) return;
        _distinctSlot[token] = _distinctCount;
        _distinct[_distinctCount++] = token;
    }

    private void Decrement(int token)
    {
        if (--_counts[token] != 0) return;
        // Swap-remove: move the last distinct id into the freed slot.
        var slot = _distinctSlot[token];
        var last = _distinct[--_distinctCount];
        _distinct[slot] = last;
        _distinctSlot[last] = slot;
    }
}
