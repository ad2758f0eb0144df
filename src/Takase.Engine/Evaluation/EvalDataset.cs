using System.Text.Json;

namespace Takase.Engine.Evaluation;

/// <summary>
/// A JSONL evaluation dataset (format in README.md beside this file): every line a multiple-choice item (it has
/// choices) or every line a generative item (it has none). Blank lines are skipped.
/// </summary>
public sealed class EvalDataset
{
    /// <summary>The file it was read from (as given), used in reports.</summary>
    public string Path { get; }
    /// <summary>The multiple-choice items; empty for a generative dataset.</summary>
    public IReadOnlyList<ChoiceItem> ChoiceItems { get; }
    /// <summary>The generative items; empty for a multiple-choice dataset.</summary>
    public IReadOnlyList<GenerativeItem> GenerativeItems { get; }
    /// <summary>True when the items carry choices (scored by log-likelihood), false when they are answered by generation.</summary>
    public bool IsMultipleChoice => ChoiceItems.Count > 0;

    private EvalDataset(string path, IReadOnlyList<ChoiceItem> choice, IReadOnlyList<GenerativeItem> generative)
    {
        Path = path;
        ChoiceItems = choice;
        GenerativeItems = generative;
    }

    /// <summary>Reads and checks a whole dataset file.</summary>
    /// <exception cref="EvalDatasetException">a line does not parse; the message names the file and line.</exception>
    /// <exception cref="FileNotFoundException">there is no such file.</exception>
    public static EvalDataset Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"dataset {path} not found", path);
        return Parse(path, File.ReadLines(path));
    }

    /// <summary>Parses dataset <paramref name="lines"/>; <paramref name="path"/> only names the source in errors.</summary>
    public static EvalDataset Parse(string path, IEnumerable<string> lines)
    {
        var choice = new List<ChoiceItem>();
        var generative = new List<GenerativeItem>();
        var number = 0;
        foreach (var text in lines)
        {
            number++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(text); }
            catch (JsonException e) { throw new EvalDatasetException(path, number, $"not valid JSON ({e.Message})"); }
            using (doc)
            {
                var item = ParseItem(path, number, doc.RootElement);
                if (item is ChoiceItem c)
                {
                    if (generative.Count > 0) throw Mixed(path, number, generative[0].Line, "has choices", "has none");
                    choice.Add(c);
                }
                else
                {
                    if (choice.Count > 0) throw Mixed(path, number, choice[0].Line, "has no choices", "has some");
                    generative.Add((GenerativeItem)item);
                }
            }
        }
        if (choice.Count == 0 && generative.Count == 0) throw new EvalDatasetException(path, 1, $"the dataset holds no items ({number} blank line(s))");
        return new EvalDataset(path, choice, generative);
    }

    private static EvalDatasetException Mixed(string path, int line, int first, string self, string other) =>
        new(path, line, $"this item {self} but the one on line {first} {other}; a dataset is either all multiple-choice or all generative");

    private static object ParseItem(string path, int line, JsonElement e)
    {
        EvalDatasetException Bad(string why) => new(path, line, why);
        if (e.ValueKind != JsonValueKind.Object) throw Bad($"expected a JSON object, found {e.ValueKind.ToString().ToLowerInvariant()}");
        var question = e.TryGetProperty("question", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString()! : null;
        if (string.IsNullOrWhiteSpace(question)) throw Bad("\"question\" is missing or not a non-empty string");
        string? category = null;
        if (e.TryGetProperty("category", out var cat))
        {
            if (cat.ValueKind != JsonValueKind.String) throw Bad("\"category\" must be a string");
            category = cat.GetString();
        }

        var choices = ReadChoices(e, Bad);
        var hasAnswer = e.TryGetProperty("answer", out var answer) || e.TryGetProperty("label", out answer);
        if (!hasAnswer) throw Bad("\"answer\" is missing");
        if (choices is null)
        {
            var expected = answer.ValueKind switch
            {
                JsonValueKind.String => answer.GetString()!,
                JsonValueKind.Number => answer.GetRawText(),
                _ => throw Bad("\"answer\" of a generative item must be a string or a number"),
            };
            if (string.IsNullOrWhiteSpace(expected)) throw Bad("\"answer\" is empty");
            return new GenerativeItem(line, question, expected, category);
        }

        int index;
        if (answer.ValueKind == JsonValueKind.Number)
        {
            if (!answer.TryGetInt32(out index) || index < 0 || index >= choices.Count)
                throw Bad($"\"answer\" {answer.GetRawText()} is not a choice index from 0 to {choices.Count - 1}");
        }
        else if (answer.ValueKind == JsonValueKind.String)
        {
            var text = answer.GetString()!;
            index = choices.ToList().IndexOf(text);
            if (index < 0) throw Bad($"\"answer\" \"{text}\" is none of the choices; give the choice's text exactly or its 0-based index");
        }
        else throw Bad("\"answer\" must be a 0-based choice index or the text of a choice");
        return new ChoiceItem(line, question, choices, index, category);
    }

    /// <summary>"choices": [..], or JCommonsenseQA's own fields choice0, choice1, … ; null when the item has neither.</summary>
    private static List<string>? ReadChoices(JsonElement e, Func<string, EvalDatasetException> bad)
    {
        List<string>? choices = null;
        if (e.TryGetProperty("choices", out var array))
        {
            if (array.ValueKind != JsonValueKind.Array) throw bad("\"choices\" must be an array of strings");
            choices = [];
            foreach (var c in array.EnumerateArray())
            {
                if (c.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(c.GetString()))
                    throw bad($"choice {choices.Count} is not a non-empty string");
                choices.Add(c.GetString()!);
            }
        }
        else if (e.TryGetProperty("choice0", out _))
        {
            choices = [];
            while (e.TryGetProperty($"choice{choices.Count}", out var c))
            {
                if (c.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(c.GetString()))
                    throw bad($"\"choice{choices.Count}\" is not a non-empty string");
                choices.Add(c.GetString()!);
            }
        }
        if (choices is not null && choices.Count < 2) throw bad($"an item needs at least 2 choices, this one has {choices.Count}");
        return choices;
    }
}
