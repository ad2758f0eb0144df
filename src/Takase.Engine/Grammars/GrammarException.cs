namespace Takase.Engine.Grammars;

/// <summary>
/// A grammar that cannot be used: a GBNF syntax error (with the line and column, and what was expected there), a rule
/// that is undefined, left-recursive or can never finish, or a grammar too large or too ambiguous to match.
/// </summary>
public sealed class GrammarException : FormatException
{
    /// <summary>Creates an error about the grammar as a whole.</summary>
    public GrammarException(string message) : base(message)
    {
    }

    /// <summary>Creates an error at a place in the grammar's source; the message gets "(line L, column C)" appended.</summary>
    public GrammarException(string message, int line, int column) : base($"{message} (line {line}, column {column})")
    {
        Line = line;
        Column = column;
    }

    /// <summary>1-based line of the error in the grammar source, or 0 when it is not about one place.</summary>
    public int Line { get; }

    /// <summary>1-based column (in UTF-16 characters) of the error, or 0 when it is not about one place.</summary>
    public int Column { get; }
}
