using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takase.Library.Modelfiles;
using Takase.Library.Store;

namespace Takase.Library.Create;

/// <summary>The Modelfile that reproduces a library model (what `show --modelfile` prints): FROM its weights blob,
/// then its template, system prompt, parameters, licenses and messages.</summary>
public static class StoredModelfile
{
    /// <summary>The Modelfile of <paramref name="model"/>.</summary>
    public static Modelfile For(StoredModel model) => new()
    {
        From = model.ModelBlobPath,
        Template = model.Template,
        System = model.System,
        Parameters = Parameters(model.Parameters),
        Adapters = model.AdapterPaths,
        Licenses = model.Licenses,
        Messages = model.Messages?.Select(m => new ModelfileMessage(m.Role, m.Content)).ToList() ?? [],
    };

    /// <summary>The params layer as PARAMETER lines (arrays such as stop become one line per value).</summary>
    public static IReadOnlyList<ModelfileParameter> Parameters(JsonObject? parameters)
    {
        var list = new List<ModelfileParameter>();
        foreach (var (name, value) in parameters ?? [])
        {
            var values = value is JsonArray array ? array.AsEnumerable() : [value];
            list.AddRange(values.Select(v => new ModelfileParameter(name, Text(v))));
        }
        return list;
    }

    /// <summary>
    /// The params layer as /api/show's "parameters" text, the way Ollama prints it (Go's <c>%-30s %#v</c>): one line per
    /// value, strings quoted, numbers and booleans bare.
    /// </summary>
    public static string ShowText(JsonObject parameters)
    {
        var lines = new List<string>();
        foreach (var (name, value) in parameters)
            foreach (var v in value is JsonArray array ? array.AsEnumerable() : [value])
                lines.Add($"{name,-30} {(v is JsonValue s && s.GetValueKind() == JsonValueKind.String ? JsonSerializer.Serialize(s.GetValue<string>()) : Text(v))}");
        return string.Join("\n", lines);
    }

    private static string Text(JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>().ToString(CultureInfo.InvariantCulture),
        _ => value.ToJsonString(),
    };
}
