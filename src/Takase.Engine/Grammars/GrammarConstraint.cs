using Takase.Engine.Grammars.Matching;
using Takase.Engine.Sampling;
using Takase.Engine.Tokenizers;

namespace Takase.Engine.Grammars;

/// <summary>
/// Makes sampling follow a <see cref="Grammar"/>: a token is allowed when its bytes (<see cref="Tokenizer.TokenBytes(int)"/>)
/// keep the text a prefix of the grammar, an end-of-generation token only when the text is complete, and a token
/// with no bytes (a control token) never otherwise. One constraint per sequence; not thread-safe.
/// </summary>
/// <remarks>
/// <see cref="IsAllowed"/> walks one token's bytes through cached transitions. <see cref="Apply"/> walks a byte trie
/// of the whole vocabulary (shared per tokenizer) once, pruning every subtree whose prefix the grammar refuses.
/// </remarks>
public sealed class GrammarConstraint : ITokenConstraint
{
    private readonly Tokenizer _tokenizer;
    private readonly GrammarMatcher _matcher;
    private readonly TokenTrie _trie;
    private const int CachedMasks = 8;

    private readonly int[] _endOfGeneration;
    private readonly ulong[] _allowed;
    // The last few masks by state: inside a long string the same state recurs at every token.
    private readonly Dictionary<MatcherState, ulong[]> _masks = new(ReferenceEqualityComparer.Instance);
    private readonly Queue<MatcherState> _maskOrder = new();

    /// <summary>Constrains generation with <paramref name="tokenizer"/>'s vocabulary to <paramref name="grammar"/>.</summary>
    public GrammarConstraint(Grammar grammar, Tokenizer tokenizer)
        : this((grammar ?? throw new ArgumentNullException(nameof(grammar))).CreateMatcher(), tokenizer)
    {
    }

    internal GrammarConstraint(GrammarMatcher matcher, Tokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(matcher);
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _matcher = matcher;
        _trie = TokenTrie.For(tokenizer);
        _endOfGeneration = Enumerable.Range(0, tokenizer.VocabSize).Where(tokenizer.IsEndOfGeneration).ToArray();
        _allowed = new ulong[(tokenizer.VocabSize + 63) / 64];
    }

    /// <summary>The matcher following the accepted tokens' text.</summary>
    public GrammarMatcher Matcher => _matcher;

    /// <inheritdoc/>
    public bool IsComplete => _matcher.IsComplete;

    /// <summary>True when a token with text may still follow; when false, only end-of-generation is allowed.</summary>
    public bool CanContinue => _matcher.CanContinue;

    /// <inheritdoc/>
    public bool IsAllowed(int token)
    {
        if ((uint)token >= (uint)_tokenizer.VocabSize) return false;
        if (_tokenizer.IsEndOfGeneration(token)) return _matcher.IsComplete;
        var bytes = _tokenizer.TokenBytes(token);
        return bytes.Length > 0 && _matcher.CanAccept(bytes);
    }

    /// <inheritdoc/>
    /// <remarks>Logits past the tokenizer's vocabulary (padding rows some models have) are always banned.</remarks>
    public void Apply(Span<float> logits)
    {
        ComputeAllowed(_allowed);
        for (var i = 0; i < logits.Length; i++)
            if (i >= _tokenizer.VocabSize || (_allowed[i >> 6] >> i & 1) == 0) logits[i] = float.NegativeInfinity;
    }

    /// <summary>Writes the allowed tokens as a bit set (bit i of word i/64 for token i); <paramref name="allowed"/>
    /// needs (vocabulary size + 63) / 64 words.</summary>
    public void ComputeAllowed(ulong[] allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        if (allowed.Length < _allowed.Length)
            throw new ArgumentException($"the bit set needs {_allowed.Length} words for {_tokenizer.VocabSize} tokens, got {allowed.Length}.", nameof(allowed));
        var state = _matcher.State;
        Array.Clear(allowed);
        if (_masks.TryGetValue(state, out var cached))
        {
            cached.CopyTo(allowed, 0);
            return;
        }
        _trie.MarkAllowed(_matcher.Automaton, state, allowed);
        if (state.IsComplete)
            foreach (var token in _endOfGeneration) allowed[token >> 6] |= 1UL << token;

        if (_maskOrder.Count == CachedMasks) _masks.Remove(_maskOrder.Dequeue());
        _masks[state] = allowed[.._allowed.Length];
        _maskOrder.Enqueue(state);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The token is not allowed here (see <see cref="IsAllowed"/>).</exception>
    public void Accept(int token)
    {
        if ((uint)token >= (uint)_tokenizer.VocabSize)
            throw new ArgumentOutOfRangeException(nameof(token), token, $"token id must be in 0..{_tokenizer.VocabSize - 1}.");
        if (_tokenizer.IsEndOfGeneration(token))
        {
            if (!_matcher.IsComplete)
                throw new InvalidOperationException($"end-of-generation token {token} ('{_tokenizer.TokenText(token)}') is not allowed: the text does not yet complete the grammar.");
            return;
        }
        var bytes = _tokenizer.TokenBytes(token);
        if (bytes.Length == 0 || !_matcher.TryAccept(bytes))
            throw new InvalidOperationException($"token {token} ('{_tokenizer.TokenText(token)}') is not allowed by the grammar after the {_matcher.BytesAccepted} bytes generated so far.");
    }

    /// <inheritdoc/>
    public void Reset() => _matcher.Reset();
}
