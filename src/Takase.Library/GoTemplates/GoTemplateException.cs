namespace Takase.Library.GoTemplates;

/// <summary>A Go template failed to parse or to execute: names the construct and its 1-based line and column in the template text.</summary>
public sealed class GoTemplateException : Exception
{
    /// <summary>Creates the error; the message is prefixed with the position and the construct.</summary>
    public GoTemplateException(int line, int column, string construct, string problem)
        : base($"template line {line}, column {column}, at <{construct}>: {problem}")
    {
        Line = line;
        Column = column;
        Construct = construct;
        Problem = problem;
    }

    /// <summary>1-based line in the template text.</summary>
    public int Line { get; }

    /// <summary>1-based column (UTF-16 code units).</summary>
    public int Column { get; }

    /// <summary>The template text at fault (an action, a field, a function name …).</summary>
    public string Construct { get; }

    /// <summary>What went wrong, without the position.</summary>
    public string Problem { get; }
}
