namespace Takase.Engine.Grammars.Matching;

/// <summary>
/// Where a match stands after some bytes: the set of live parse stacks (each with a character set on top, or empty)
/// and, when the bytes stopped inside a UTF-8 character, the bits of that character so far. States are interned by
/// their automaton and remember their transitions, so the automaton is a lazily built DFA over bytes: walking a
/// token's bytes from a state that has been seen before costs one array load per byte.
/// </summary>
internal sealed class MatcherState
{
    public MatcherState(StackNode[] stacks, int partialValue, int partialRemaining, int partialMinimum, bool isComplete)
    {
        Stacks = stacks;
        PartialValue = partialValue;
        PartialRemaining = partialRemaining;
        PartialMinimum = partialMinimum;
        IsComplete = isComplete;
    }

    /// <summary>The live stacks, ordered by <see cref="StackNode.Id"/>; empty only for <see cref="GrammarAutomaton.Dead"/>.</summary>
    public StackNode[] Stacks { get; }

    /// <summary>The bits of a partly received UTF-8 character.</summary>
    public int PartialValue { get; }

    /// <summary>Continuation bytes still to come for the current character; 0 between characters.</summary>
    public int PartialRemaining { get; }

    /// <summary>The smallest code point the current character's sequence length may encode (overlong forms are invalid).</summary>
    public int PartialMinimum { get; }

    /// <summary>True when the text may end here: some stack is empty and no character is half received.</summary>
    public bool IsComplete { get; }

    /// <summary>Cache of transitions: byte → next state (between characters, 256 slots) or continuation byte − 0x80 →
    /// next state (inside a character, 64 slots); null where not computed yet.</summary>
    public MatcherState?[]? Next { get; set; }
}
