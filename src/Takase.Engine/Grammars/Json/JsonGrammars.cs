using System.Text.Json.Nodes;

namespace Takase.Engine.Grammars.Json;

/// <summary>Ready-made JSON grammars.</summary>
public static class JsonGrammars
{
    private static readonly Lazy<Grammar> AnyValueGrammar = new(() => JsonSchemaGrammar.FromSchema(new JsonObject()));
    private static readonly Lazy<Grammar> ObjectGrammar = new(() => JsonSchemaGrammar.FromSchema(new JsonObject { ["type"] = "object" }));

    /// <summary>Any JSON value (object, array, string, number, true, false or null).</summary>
    public static Grammar AnyValue => AnyValueGrammar.Value;

    /// <summary>Any JSON object: what Ollama's <c>format: "json"</c> and OpenAI's <c>json_object</c> response format
    /// ask for (llama.cpp's json.gbnf also has an object at the top).</summary>
    public static Grammar Object => ObjectGrammar.Value;
}
