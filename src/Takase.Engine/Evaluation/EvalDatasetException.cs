namespace Takase.Engine.Evaluation;

/// <summary>A dataset line that does not parse; the message reads "FILE:LINE: why" so an editor can jump to it.</summary>
public sealed class EvalDatasetException(string file, int line, string reason)
    : FormatException($"{file}:{line}: {reason}")
{
    /// <summary>The dataset file.</summary>
    public string File { get; } = file;
    /// <summary>The 1-based line that failed.</summary>
    public int Line { get; } = line;
    /// <summary>What is wrong with the line, without the location.</summary>
    public string Reason { get; } = reason;
}
