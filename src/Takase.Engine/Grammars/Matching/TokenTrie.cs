using System.Runtime.CompilerServices;
using Takase.Engine.Tokenizers;

namespace Takase.Engine.Grammars.Matching;

/// <summary>
/// Every token's bytes in one byte trie, laid out in depth-first order (a node's subtree is the index range
/// [node, <see cref="_subtreeEnd"/>[node])), so masking a vocabulary is one walk that follows the grammar and skips
/// a whole subtree the moment its prefix is refused. Built once per tokenizer and shared; immutable.
/// Tokens with no bytes (control tokens) and end-of-generation tokens are not in it.
/// </summary>
internal sealed class TokenTrie
{
    private static readonly ConditionalWeakTable<Tokenizer, TokenTrie> Cache = [];

    private readonly byte[] _labels;      // the byte leading into each node (node 0, the root, has none)
    private readonly int[] _subtreeEnd;   // one past the last node of each node's subtree
    private readonly int[] _tokenStart;   // node → first index in _tokens of the tokens ending there; [n + 1] ends it
    private readonly int[] _tokens;
    private readonly int _maxDepth;

    private TokenTrie(byte[] labels, int[] subtreeEnd, int[] tokenStart, int[] tokens, int maxDepth)
    {
        _labels = labels;
        _subtreeEnd = subtreeEnd;
        _tokenStart = tokenStart;
        _tokens = tokens;
        _maxDepth = maxDepth;
    }

    /// <summary>Number of trie nodes, the root included.</summary>
    public int NodeCount => _labels.Length;

    /// <summary>The trie of <paramref name="tokenizer"/>'s vocabulary, built on first use.</summary>
    public static TokenTrie For(Tokenizer tokenizer) => Cache.GetValue(tokenizer, Build);

    private static TokenTrie Build(Tokenizer tokenizer)
    {
        var ids = new List<int>(tokenizer.VocabSize);
        for (var id = 0; id < tokenizer.VocabSize; id++)
            if (!tokenizer.IsEndOfGeneration(id) && tokenizer.TokenBytes(id).Length > 0) ids.Add(id);
        ids.Sort((a, b) =>
        {
            var order = tokenizer.TokenBytes(a).SequenceCompareTo(tokenizer.TokenBytes(b));
            return order != 0 ? order : a.CompareTo(b);
        });

        var labels = new List<byte> { 0 };
        var subtreeEnd = new List<int> { 0 };
        var tokenStart = new List<int> { 0 };
        var tokens = new List<int>(ids.Count);
        var path = new List<int> { 0 };   // nodes from the root to the current one
        var previous = ReadOnlySpan<byte>.Empty;
        var maxDepth = 0;
        foreach (var id in ids)
        {
            var bytes = tokenizer.TokenBytes(id);
            var common = bytes.CommonPrefixLength(previous);
            // Close the nodes below the shared prefix: their subtrees end here.
            while (path.Count - 1 > common)
            {
                subtreeEnd[path[^1]] = labels.Count;
                path.RemoveAt(path.Count - 1);
            }
            for (var i = common; i < bytes.Length; i++)
            {
                path.Add(labels.Count);
                labels.Add(bytes[i]);
                subtreeEnd.Add(0);
                tokenStart.Add(tokens.Count);
            }
            tokens.Add(id);
            maxDepth = Math.Max(maxDepth, bytes.Length);
            previous = bytes;
        }
        while (path.Count > 0)
        {
            subtreeEnd[path[^1]] = labels.Count;
            path.RemoveAt(path.Count - 1);
        }
        tokenStart.Add(tokens.Count);
        return new TokenTrie(labels.ToArray(), subtreeEnd.ToArray(), tokenStart.ToArray(), tokens.ToArray(), maxDepth);
    }

    /// <summary>Sets the bit of every token whose bytes the automaton accepts from <paramref name="state"/>.</summary>
    public void MarkAllowed(GrammarAutomaton automaton, MatcherState state, ulong[] allowed)
    {
        // Depth-first walk with an explicit stack: per level, the next child to try, the end of the parent's
        // subtree, and the state after the parent's prefix.
        Span<int> cursor = _maxDepth < 1024 ? stackalloc int[_maxDepth + 1] : new int[_maxDepth + 1];
        Span<int> end = _maxDepth < 1024 ? stackalloc int[_maxDepth + 1] : new int[_maxDepth + 1];
        var states = new MatcherState[_maxDepth + 1];
        var labels = _labels;
        var subtreeEnd = _subtreeEnd;
        var depth = 0;
        cursor[0] = 1;
        end[0] = subtreeEnd[0];
        states[0] = state;
        while (depth >= 0)
        {
            var child = cursor[depth];
            if (child >= end[depth])
            {
                depth--;
                continue;
            }
            var childEnd = subtreeEnd[child];
            cursor[depth] = childEnd;
            var next = automaton.Step(states[depth], labels[child]);
            if (next == GrammarAutomaton.Dead) continue;
            for (var t = _tokenStart[child]; t < _tokenStart[child + 1]; t++)
            {
                var token = _tokens[t];
                allowed[token >> 6] |= 1UL << token;
            }
            if (childEnd > child + 1)
            {
                depth++;
                cursor[depth] = child + 1;
                end[depth] = childEnd;
                states[depth] = next;
            }
        }
    }
}
