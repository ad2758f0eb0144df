namespace Takase.Engine.Evaluation;

/// <summary>
/// One multiple-choice question: the model scores each choice after the question and picks the likeliest.
/// <paramref name="Line"/> is the 1-based line of the dataset file it came from, so reports can point back at it.
/// </summary>
public sealed record ChoiceItem(int Line, string Question, IReadOnlyList<string> Choices, int Answer, string? Category);

/// <summary>
/// One open question answered by greedy generation; the final answer is extracted from the text and compared with
/// <paramref name="Answer"/> after normalisation (see <see cref="ExactMatch"/>).
/// </summary>
public sealed record GenerativeItem(int Line, string Question, string Answer, string? Category);
