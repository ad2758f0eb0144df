namespace Takase.Routing.Data;

/// <summary>
/// One labelled prompt of a routing dataset: the prompt and the measured quality of each model on it (a 0/1 correctness
/// for benchmarks like GSM8K, a judge score for MT-Bench).
/// </summary>
/// <param name="Line">The 1-based line of the JSONL file it came from, for error messages.</param>
/// <param name="Id">The prompt's id (unique in the file).</param>
/// <param name="Category">An optional category ("writing", "math"…).</param>
/// <param name="Prompt">The text a router scores (the first turn for multi-turn rows, as RouteLLM does).</param>
/// <param name="Turns">All user turns, when the row has them.</param>
/// <param name="Scores">Quality per model name.</param>
public sealed record RoutingExample(
    int Line,
    string Id,
    string? Category,
    string Prompt,
    IReadOnlyList<string>? Turns,
    IReadOnlyDictionary<string, double> Scores);
