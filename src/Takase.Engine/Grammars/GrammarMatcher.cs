using System.Text;
using Takase.Engine.Grammars.Matching;

namespace Takase.Engine.Grammars;

/// <summary>
/// Follows one text through a <see cref="Grammar"/>, fed as UTF-8 bytes in pieces of any size: a piece may end in
/// the middle of a character (as model tokens do), and the matcher keeps the partial character until it completes.
/// Answers whether more bytes may follow (<see cref="CanAccept(ReadOnlySpan{byte})"/>, without changing anything)
/// and whether the text may end here (<see cref="IsComplete"/>).
/// </summary>
/// <remarks>
/// Checks get cheaper as a generation goes on: every state and transition is remembered, so bytes that were seen in a
/// situation before cost one array load each. Not thread-safe: use one matcher per sequence.
/// </remarks>
public sealed class GrammarMatcher
{
    private MatcherState _state;

    internal GrammarMatcher(Grammar grammar, int maxCachedStacks = GrammarAutomaton.DefaultMaxStacks,
        int maxCachedStates = GrammarAutomaton.DefaultMaxStates)
    {
        Grammar = grammar;
        Automaton = new GrammarAutomaton(grammar.Program, maxCachedStacks, maxCachedStates);
        _state = Automaton.Start;
    }

    /// <summary>The grammar being matched.</summary>
    public Grammar Grammar { get; }

    /// <summary>True when the bytes so far are a whole text of the grammar (they may still continue).</summary>
    public bool IsComplete => _state.IsComplete;

    /// <summary>True when some byte may still follow; false when the text is complete and nothing can be added.</summary>
    public bool CanContinue => _state.PartialRemaining > 0 || _state.Stacks.Any(s => s.Parent is not null);

    /// <summary>True when the bytes so far stop inside a UTF-8 character.</summary>
    public bool IsInsideCharacter => _state.PartialRemaining > 0;

    /// <summary>Number of bytes accepted since the start or the last <see cref="Reset"/>.</summary>
    public long BytesAccepted { get; private set; }

    internal GrammarAutomaton Automaton { get; }

    internal MatcherState State => _state;

    /// <summary>The fewest bytes that would make the text complete (0 when it is).</summary>
    internal int MinRemainingBytes => Automaton.MinRemainingBytes(_state);

    /// <summary>Whether the grammar allows <paramref name="bytes"/> next. Changes nothing.</summary>
    public bool CanAccept(ReadOnlySpan<byte> bytes) => Automaton.Walk(_state, bytes) != GrammarAutomaton.Dead;

    /// <summary>Whether the grammar allows <paramref name="text"/> (as UTF-8) next. Changes nothing.</summary>
    public bool CanAccept(string text) => CanAccept(Encoding.UTF8.GetBytes(text));

    /// <summary>Accepts <paramref name="bytes"/> if the grammar allows all of them; otherwise changes nothing.</summary>
    /// <returns>Whether the bytes were accepted.</returns>
    public bool TryAccept(ReadOnlySpan<byte> bytes)
    {
        var next = Automaton.Walk(_state, bytes);
        if (next == GrammarAutomaton.Dead) return false;
        _state = Automaton.Compact(next);
        BytesAccepted += bytes.Length;
        return true;
    }

    /// <summary>Accepts <paramref name="bytes"/>.</summary>
    /// <exception cref="InvalidOperationException">The grammar does not allow them here; nothing was accepted.</exception>
    public void Accept(ReadOnlySpan<byte> bytes)
    {
        if (TryAccept(bytes)) return;
        // Find the first refused byte for the message.
        var state = _state;
        var i = 0;
        while (i < bytes.Length && (state = Automaton.Step(state, bytes[i])) != GrammarAutomaton.Dead) i++;
        throw new InvalidOperationException(
            $"the grammar does not allow byte 0x{bytes[i]:X2} (byte {i} of the {bytes.Length} given) after the {BytesAccepted} bytes accepted so far; nothing was accepted. Check CanAccept first.");
    }

    /// <summary>Accepts <paramref name="text"/> as UTF-8.</summary>
    /// <exception cref="InvalidOperationException">The grammar does not allow it here; nothing was accepted.</exception>
    public void Accept(string text) => Accept(Encoding.UTF8.GetBytes(text));

    /// <summary>Returns to the start of the grammar.</summary>
    public void Reset()
    {
        _state = Automaton.Start;
        BytesAccepted = 0;
    }

    /// <summary>Whether the whole of <paramref name="text"/> is a text of the grammar.</summary>
    public static bool Matches(Grammar grammar, string text)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        var matcher = grammar.CreateMatcher();
        return matcher.TryAccept(Encoding.UTF8.GetBytes(text)) && matcher.IsComplete;
    }
}
