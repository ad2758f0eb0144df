using System.Text.Json;
using System.Text.Json.Serialization;

namespace Takase.Routing.Privacy.Evaluation;

/// <summary>One labelled entity: its type and UTF-16 span in the sample's text.</summary>
public sealed record LabelledEntity(PiiEntityType Type, int Start, int End);

/// <summary>One labelled text: the text, its language and every entity a reader would want protected.</summary>
public sealed record LabelledSample(string Text, PiiLanguage Language, IReadOnlyList<LabelledEntity> Entities);

/// <summary>
/// A labelled PII set in JSON lines: <c>{"text": …, "lang": "ja"|"en", "entities": [{"type": "EMAIL", "start": 3,
/// "end": 19}]}</c>, spans in UTF-16 indices of text, end exclusive. Blank lines and lines starting with '//' are
/// skipped.
/// </summary>
public static class LabelledPiiSet
{
    private sealed record Line(
        [property: JsonPropertyName("text")] string? Text,
        [property: JsonPropertyName("lang")] string? Lang,
        [property: JsonPropertyName("entities")] List<Entity>? Entities);

    private sealed record Entity(
        [property: JsonPropertyName("type")] string? Type,
        [property: JsonPropertyName("start")] int Start,
        [property: JsonPropertyName("end")] int End);

    /// <summary>Reads the set at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">the file does not exist.</exception>
    /// <exception cref="InvalidDataException">a line is not valid (the message names the line and what is wrong).</exception>
    public static IReadOnlyList<LabelledSample> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"labelled PII set {path} does not exist", path);
        var samples = new List<LabelledSample>();
        var number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal)) continue;
            samples.Add(Parse(line, $"{path}:{number}"));
        }
        return samples;
    }

    /// <summary>Parses one JSON line; <paramref name="where"/> names it in errors.</summary>
    public static LabelledSample Parse(string json, string where)
    {
        Line? line;
        try
        {
            line = JsonSerializer.Deserialize<Line>(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where}: not a JSON object ({e.Message})", e);
        }
        if (line?.Text is null) throw new InvalidDataException($"{where}: \"text\" is missing");
        PiiLanguage language;
        try
        {
            language = PiiLanguages.Parse(line.Lang ?? "auto");
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{where}: {e.Message}", e);
        }
        var entities = new List<LabelledEntity>();
        foreach (var e in line.Entities ?? [])
        {
            if (e.Type is null || !PiiEntityTypeNames.TryParse(e.Type, out var type))
                throw new InvalidDataException($"{where}: unknown entity type '{e.Type}'");
            if (e.Start < 0 || e.End > line.Text.Length || e.End <= e.Start)
                throw new InvalidDataException($"{where}: span {e.Start}..{e.End} is outside the text (length {line.Text.Length})");
            entities.Add(new LabelledEntity(type, e.Start, e.End));
        }
        return new LabelledSample(line.Text, language, entities);
    }
}
