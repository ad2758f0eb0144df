using System.Runtime.CompilerServices;
using Takase.Engine.Grammars.Compilation;

namespace Takase.Engine.Grammars.Matching;

/// <summary>
/// The matching engine behind <see cref="GrammarMatcher"/>: llama.cpp's "set of parse stacks" over code points,
/// fed bytes, with every stack and every set of stacks interned so each distinct situation is computed once.
/// A state's transitions are cached per byte, which turns the pushdown matcher into a DFA built on demand; checking a
/// token is then a few array loads, and masking a vocabulary is a walk over a byte trie of the tokens.
/// </summary>
/// <remarks>
/// Stacks are expanded eagerly: every stack in a state has a character set on top or is empty, so advancing by a
/// code point only tests sets and takes each matching stack's (cached) successors. Caches grow with the variety of
/// text seen; past a limit <see cref="Compact"/> drops them all and keeps only the current state.
/// Not thread-safe: one automaton per matcher.
/// </remarks>
internal sealed class GrammarAutomaton
{
    /// <summary>The most parse stacks a state may hold; only a highly ambiguous grammar gets near it.</summary>
    public const int MaxStacksPerState = 50_000;

    /// <summary>Default cache limits: past either, <see cref="Compact"/> starts over (a few hundred MB at most).</summary>
    public const int DefaultMaxStacks = 2_000_000;
    public const int DefaultMaxStates = 250_000;
    private const int Unreachable = int.MaxValue;

    /// <summary>The state after bytes the grammar does not allow: no stacks, no way forward.</summary>
    public static readonly MatcherState Dead = new([], 0, 0, 0, isComplete: false);

    private readonly GrammarProgram _program;
    private readonly GrammarElement[] _elements;
    private readonly int _maxStacks;
    private readonly int _maxStates;
    private readonly List<StackNode> _scratch = [];
    private Dictionary<(int Position, int ParentId), StackNode> _nodes = [];
    private Dictionary<StateKey, MatcherState> _states = [];
    private StackNode _empty;
    private int _nextNodeId;
    private int[] _marks = new int[1024];
    private int _markStamp;
    private MatcherState? _start;

    public GrammarAutomaton(GrammarProgram program, int maxStacks = DefaultMaxStacks, int maxStates = DefaultMaxStates)
    {
        _program = program;
        _elements = program.Elements;
        _maxStacks = maxStacks;
        _maxStates = maxStates;
        _empty = NewEmptyStack();
    }

    /// <summary>The empty stack: the text may end where a state holds it.</summary>
    public StackNode EmptyStack => _empty;

    /// <summary>The state before any byte.</summary>
    public MatcherState Start => _start ??= CreateStart();

    /// <summary>How many times the caches were dropped.</summary>
    public int Compactions { get; private set; }

    /// <summary>Number of interned stacks and states, for tests and diagnostics.</summary>
    public (int Stacks, int States) CacheSize => (_nodes.Count, _states.Count);

    /// <summary>The state after <paramref name="state"/> reads <paramref name="b"/> (<see cref="Dead"/> when refused).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public MatcherState Step(MatcherState state, byte b)
    {
        var next = state.Next;
        var index = state.PartialRemaining == 0 ? b : b - 0x80;
        if (next is not null && (uint)index < (uint)next.Length && next[index] is { } cached) return cached;
        return ComputeStep(state, b);
    }

    /// <summary>The state after all of <paramref name="bytes"/>, or <see cref="Dead"/>.</summary>
    public MatcherState Walk(MatcherState state, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            state = Step(state, b);
            if (state == Dead) break;
        }
        return state;
    }

    /// <summary>The fewest bytes that take <paramref name="state"/> to a complete text (int.MaxValue for Dead).</summary>
    public int MinRemainingBytes(MatcherState state)
    {
        var best = Unreachable;
        foreach (var stack in state.Stacks)
        {
            var remaining = stack.MinRemainingBytes;
            if (state.PartialRemaining > 0)
            {
                // The half-received character finishes the set on top: count its remaining bytes instead of the set's.
                var top = _program.MinBytesFrom[stack.Position] - _program.MinBytesFrom[stack.Position + 1];
                remaining = remaining - top + state.PartialRemaining;
            }
            best = Math.Min(best, remaining);
        }
        return best;
    }

    /// <summary>
    /// Drops every cache when they have grown past their limits, keeping <paramref name="current"/> (re-interned);
    /// returns the state to continue from. Call only between operations, never during a walk.
    /// </summary>
    public MatcherState Compact(MatcherState current)
    {
        if (_nodes.Count < _maxStacks && _states.Count < _maxStates) return current;
        Compactions++;
        _nodes = [];
        _states = [];
        _start = null;
        _nextNodeId = 0;
        _empty = NewEmptyStack();
        if (current == Dead) return Dead;
        var copies = new Dictionary<StackNode, StackNode>(ReferenceEqualityComparer.Instance);
        _scratch.Clear();
        foreach (var stack in current.Stacks) _scratch.Add(Reintern(stack, copies));
        return Intern(_scratch, current.PartialValue, current.PartialRemaining, current.PartialMinimum);
    }

    private StackNode Reintern(StackNode node, Dictionary<StackNode, StackNode> copies)
    {
        if (node.Parent is null) return _empty;
        if (copies.TryGetValue(node, out var copy)) return copy;
        copy = Node(node.Position, Reintern(node.Parent, copies));
        copies[node] = copy;
        return copy;
    }

    private StackNode NewEmptyStack() => new(_nextNodeId++, -1, null, null, 0);

    private MatcherState CreateStart()
    {
        _scratch.Clear();
        var stamp = NextStamp();
        foreach (var start in _program.Alternatives[_program.RootRule])
        {
            var stack = _elements[start].Kind == ElementKind.End ? _empty : Node(start, _empty);
            AddUnique(Expand(stack), stamp);
        }
        return Intern(_scratch, 0, 0, 0);
    }

    private MatcherState ComputeStep(MatcherState state, byte b)
    {
        if (state == Dead) return Dead;
        MatcherState next;
        if (state.PartialRemaining == 0)
        {
            if (b < 0x80) next = Advance(state.Stacks, b);
            else if (b is >= 0xC2 and <= 0xDF) next = Partial(state.Stacks, b & 0x1F, 1, 0x80);
            else if (b is >= 0xE0 and <= 0xEF) next = Partial(state.Stacks, b & 0x0F, 2, 0x800);
            else if (b is >= 0xF0 and <= 0xF4) next = Partial(state.Stacks, b & 0x07, 3, 0x10000);
            else next = Dead;   // a continuation byte with no lead, or a byte UTF-8 never uses
            (state.Next ??= new MatcherState?[256])[b] = next;
            return next;
        }

        if ((b & 0xC0) != 0x80) return Dead;   // the character was cut off
        var value = state.PartialValue << 6 | (b & 0x3F);
        var remaining = state.PartialRemaining - 1;
        if (remaining > 0) next = Partial(state.Stacks, value, remaining, state.PartialMinimum);
        else if (value < state.PartialMinimum || value is >= 0xD800 and <= 0xDFFF || value > CodePointSet.MaxCodePoint) next = Dead;
        else next = Advance(state.Stacks, value);
        (state.Next ??= new MatcherState?[64])[b - 0x80] = next;
        return next;
    }

    /// <summary>Every stack whose top set holds <paramref name="codePoint"/>, advanced past it.</summary>
    private MatcherState Advance(StackNode[] stacks, int codePoint)
    {
        _scratch.Clear();
        var stamp = NextStamp();
        foreach (var stack in stacks)
        {
            if (stack.Top is null || !stack.Top.Contains(codePoint)) continue;
            AddUnique(stack.Successors ??= Expand(Continue(stack.Parent!, stack.Position + 1)), stamp);
        }
        return _scratch.Count == 0 ? Dead : Intern(_scratch, 0, 0, 0);
    }

    /// <summary>The stacks whose top set could still hold the character whose first bytes gave <paramref name="value"/>.</summary>
    private MatcherState Partial(StackNode[] stacks, int value, int remaining, int minimum)
    {
        var shift = 6 * remaining;
        var lo = Math.Max(value << shift, minimum);
        var hi = Math.Min(value << shift | ((1 << shift) - 1), CodePointSet.MaxCodePoint);
        if (lo > hi || (lo >= 0xD800 && hi <= 0xDFFF)) return Dead;
        _scratch.Clear();
        foreach (var stack in stacks)
            if (stack.Top is not null && stack.Top.Overlaps(lo, hi)) _scratch.Add(stack);
        return _scratch.Count == 0 ? Dead : Intern(_scratch, value, remaining, minimum);
    }

    /// <summary>The stack that resumes at <paramref name="position"/> above <paramref name="parent"/>, or just
    /// <paramref name="parent"/> when the position ends its alternative (a tail call keeps stacks shallow).</summary>
    private StackNode Continue(StackNode parent, int position) =>
        _elements[position].Kind == ElementKind.End ? parent : Node(position, parent);

    /// <summary>The stacks with a character set on top (or empty) that <paramref name="stack"/> stands for.</summary>
    private StackNode[] Expand(StackNode stack)
    {
        if (stack.Expansion is { } cached) return cached;
        if (stack.Parent is null || stack.Top is not null) return stack.Expansion = [stack];

        var rule = _elements[stack.Position].Value;
        var rest = Continue(stack.Parent, stack.Position + 1);
        var parts = new List<StackNode[]>(_program.Alternatives[rule].Length);
        foreach (var start in _program.Alternatives[rule])
            parts.Add(Expand(_elements[start].Kind == ElementKind.End ? rest : Node(start, rest)));

        StackNode[] result;
        if (parts.Count == 1) result = parts[0];
        else
        {
            // Expansions of siblings may be computed recursively above, so collect into a private list.
            var union = new List<StackNode>();
            var seen = new HashSet<int>();
            foreach (var part in parts)
                foreach (var node in part)
                    if (seen.Add(node.Id)) union.Add(node);
            if (union.Count > MaxStacksPerState) throw TooAmbiguous();
            union.Sort(static (a, b) => a.Id.CompareTo(b.Id));
            result = union.ToArray();
        }
        return stack.Expansion = result;
    }

    private StackNode Node(int position, StackNode parent)
    {
        if (_nodes.TryGetValue((position, parent.Id), out var node)) return node;
        var element = _elements[position];
        var top = element.Kind == ElementKind.Chars ? _program.Sets[element.Value] : null;
        var minRemaining = _program.MinBytesFrom[position] + parent.MinRemainingBytes;
        node = new StackNode(_nextNodeId++, position, parent, top, (int)Math.Min((long)minRemaining, int.MaxValue - 8));
        _nodes[(position, parent.Id)] = node;
        return node;
    }

    private int NextStamp()
    {
        if (_marks.Length < _nextNodeId) Array.Resize(ref _marks, Math.Max(_nextNodeId, _marks.Length * 2));
        if (++_markStamp == int.MaxValue)
        {
            Array.Clear(_marks);
            _markStamp = 1;
        }
        return _markStamp;
    }

    private void AddUnique(StackNode[] nodes, int stamp)
    {
        foreach (var node in nodes)
        {
            if (node.Id >= _marks.Length) Array.Resize(ref _marks, Math.Max(node.Id + 1, _marks.Length * 2));
            if (_marks[node.Id] == stamp) continue;
            _marks[node.Id] = stamp;
            _scratch.Add(node);
        }
        if (_scratch.Count > MaxStacksPerState) throw TooAmbiguous();
    }

    private MatcherState Intern(List<StackNode> stacks, int partialValue, int partialRemaining, int partialMinimum)
    {
        stacks.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        var key = new StateKey(stacks.ToArray(), partialValue, partialRemaining, partialMinimum);
        if (_states.TryGetValue(key, out var state)) return state;
        var complete = partialRemaining == 0 && key.Stacks[0] == _empty;
        state = new MatcherState(key.Stacks, partialValue, partialRemaining, partialMinimum, complete);
        _states[key] = state;
        return state;
    }

    private static GrammarException TooAmbiguous() => new(
        $"the grammar is too ambiguous: more than {MaxStacksPerState:N0} parses of the text are alive at once; make alternatives start differently (e.g. replace 'x? x? x?' by 'x{{0,3}}')");

    /// <summary>Identity of a state: its stacks (interned, so compared by reference) and its partial character (the
    /// minimum tells a 3-byte sequence's first two bytes from a 2-byte sequence's lead with the same bits).</summary>
    private readonly struct StateKey : IEquatable<StateKey>
    {
        private readonly int _hash;

        public StateKey(StackNode[] stacks, int partialValue, int partialRemaining, int partialMinimum)
        {
            Stacks = stacks;
            PartialValue = partialValue;
            PartialRemaining = partialRemaining;
            PartialMinimum = partialMinimum;
            var hash = new HashCode();
            hash.Add(partialValue);
            hash.Add(partialRemaining);
            hash.Add(partialMinimum);
            foreach (var stack in stacks) hash.Add(stack.Id);
            _hash = hash.ToHashCode();
        }

        public StackNode[] Stacks { get; }
        public int PartialValue { get; }
        public int PartialRemaining { get; }
        public int PartialMinimum { get; }

        public bool Equals(StateKey other)
        {
            if (_hash != other._hash || PartialValue != other.PartialValue || PartialRemaining != other.PartialRemaining
                || PartialMinimum != other.PartialMinimum || Stacks.Length != other.Stacks.Length) return false;
            for (var i = 0; i < Stacks.Length; i++)
                if (!ReferenceEquals(Stacks[i], other.Stacks[i])) return false;
            return true;
        }

        public override bool Equals(object? obj) => obj is StateKey other && Equals(other);

        public override int GetHashCode() => _hash;
    }
}
