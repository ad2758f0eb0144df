namespace Takase.Engine.Grammars.Matching;

/// <summary>
/// One parse stack, as a persistent linked list: <see cref="Position"/> is where matching resumes (an index into
/// the program's elements) and <see cref="Parent"/> is the rest of the stack, the positions to return to when the
/// current alternative ends. Nodes are interned by their automaton, so equal stacks are the same object and share
/// their cached expansions. The empty stack (the text may end here) is <see cref="GrammarAutomaton.EmptyStack"/>.
/// </summary>
internal sealed class StackNode
{
    public StackNode(int id, int position, StackNode? parent, CodePointSet? top, int minRemainingBytes)
    {
        Id = id;
        Position = position;
        Parent = parent;
        Top = top;
        MinRemainingBytes = minRemainingBytes;
    }

    /// <summary>Dense number, unique within the automaton; states sort their stacks by it.</summary>
    public int Id { get; }

    /// <summary>Element index to resume at; -1 for the empty stack.</summary>
    public int Position { get; }

    /// <summary>The stack below this position; null only for the empty stack.</summary>
    public StackNode? Parent { get; }

    /// <summary>The character set at <see cref="Position"/> when that is a character element, else null.</summary>
    public CodePointSet? Top { get; }

    /// <summary>The fewest bytes that empty this stack.</summary>
    public int MinRemainingBytes { get; }

    /// <summary>Cache: the stacks with a character set on top (or empty) that this stack expands to.</summary>
    public StackNode[]? Expansion { get; set; }

    /// <summary>Cache: the expanded stacks after the character set on top has matched one code point.</summary>
    public StackNode[]? Successors { get; set; }
}
