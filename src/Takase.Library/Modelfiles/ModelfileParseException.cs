namespace Takase.Library.Modelfiles;

/// <summary>A Modelfile could not be read: says where (1-based line and column) and what was expected there.</summary>
public sealed class ModelfileParseException : FormatException
{
    /// <summary>Creates the error; the message is prefixed with the position.</summary>
    public ModelfileParseException(int line, int column, string problem)
        : base(line > 0 ? $"Modelfile line {line}, column {column}: {problem}" : $"Modelfile: {problem}")
    {
        Line = line;
        Column = column;
        Problem = problem;
    }

    /// <summary>1-based line of the problem (0 when it concerns the whole file, e.g. a missing FROM).</summary>
    public int Line { get; }

    /// <summary>1-based column (in UTF-16 code units) of the problem.</summary>
    public int Column { get; }

    /// <summary>The problem without the position.</summary>
    public string Problem { get; }
}
