using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Takase.Cli.Commands;

/// <summary>One prompt of a comparison and the id it is reported under.</summary>
internal sealed record ComparePrompt(string Id, string Text);

/// <summary>
/// The prompts of <c>takase compare</c>: the <c>-p</c> texts, then a <c>--prompts</c> file. In the file each non-blank
/// line is one prompt; a line that starts with <c>{</c> is JSON, <c>{"prompt": "…", "id": "…"}</c> (id optional), so
/// a prompt may hold newlines. Prompts without an id are numbered from 1 in the order given.
/// </summary>
internal static class ComparePrompts
{
    /// <summary>Reads the prompts; a bad file line is an <see cref="InvalidDataException"/> naming FILE:LINE and why.</summary>
    public static IReadOnlyList<ComparePrompt> Read(IReadOnlyList<string> texts, string? file)
    {
        var prompts = new List<ComparePrompt>();
        foreach (var text in texts) prompts.Add(new ComparePrompt(Number(prompts.Count), text));
        if (file is not null)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"prompts file {file} not found", file);
            var lineNumber = 0;
            foreach (var line in File.ReadLines(file))
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                prompts.Add(line.TrimStart().StartsWith('{')
                    ? FromJson(line, prompts.Count, $"{file}:{lineNumber}")
                    : new ComparePrompt(Number(prompts.Count), line));
            }
        }
        if (prompts.Count == 0) throw new ArgumentException("give a prompt with -p TEXT or a file of prompts with --prompts FILE");
        var duplicate = prompts.GroupBy(p => p.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"prompt id \"{duplicate.Key}\" is used twice; ids must be unique");
        return prompts;
    }

    private static string Number(int index) => (index + 1).ToString(CultureInfo.InvariantCulture);

    private static ComparePrompt FromJson(string line, int index, string where)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(line); }
        catch (JsonException e) { throw new InvalidDataException($"{where}: not valid JSON ({e.Message})"); }
        if (node is not JsonObject o) throw new InvalidDataException($"{where}: expected a JSON object {{\"prompt\": \"…\"}}");
        if (o["prompt"] is not JsonValue p || p.GetValueKind() != JsonValueKind.String)
            throw new InvalidDataException($"{where}: \"prompt\" must be a string");
        var text = p.GetValue<string>();
        if (text.Length == 0) throw new InvalidDataException($"{where}: \"prompt\" is empty");
        var id = o["id"] switch
        {
            null => Number(index),
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
            _ => throw new InvalidDataException($"{where}: \"id\" must be a string or a number"),
        };
        return new ComparePrompt(id, text);
    }
}
