using System.Text.Json.Nodes;

namespace Takase.Engine.Grammars.Json;

/// <summary>
/// Compiles a JSON Schema into a <see cref="Grammar"/> whose texts are JSON values valid under the schema, for
/// structured output (Ollama's <c>format</c> with a schema, OpenAI's <c>response_format: json_schema</c>).
/// </summary>
/// <remarks>
/// <para>Supported: <c>type</c> (one or several), <c>properties</c> + <c>required</c> (required ones in listed order,
/// then optional ones in listed order), <c>additionalProperties</c> (false when absent, as llama.cpp does, unless the
/// object lists no properties), <c>items</c>, <c>prefixItems</c>, <c>minItems</c>/<c>maxItems</c>, <c>enum</c>,
/// <c>const</c>, <c>anyOf</c>/<c>oneOf</c> (oneOf as anyOf), <c>allOf</c> (merged), local <c>$ref</c>
/// (<c>#</c>, <c>#/$defs/…</c>, <c>#/definitions/…</c>, recursion included), <c>minLength</c>/<c>maxLength</c>,
/// <c>pattern</c> (ECMA regex subset), <c>format</c> date, time, date-time and uuid, and
/// <c>minimum</c>/<c>maximum</c>/<c>exclusiveMinimum</c>/<c>exclusiveMaximum</c> for integers (and whole-number
/// bounds for numbers). OpenAPI's <c>nullable: true</c> adds null.</para>
/// <para>Annotations (title, description, examples, default, $schema …) and other formats are ignored; keywords that
/// would change validity but are not supported (not, if/then/else, patternProperties, uniqueItems, multipleOf …)
/// raise a <see cref="JsonSchemaException"/> naming them. Whitespace between tokens is bounded, so a model cannot
/// loop on it; strings and arrays are otherwise unbounded unless the schema bounds them. A grammar cannot compare
/// values, so oneOf is compiled as anyOf, and keys allowed beyond the listed properties may repeat one another
/// (never a listed one).</para>
/// </remarks>
public static class JsonSchemaGrammar
{
    /// <summary>A grammar for the JSON values valid under <paramref name="schema"/>.</summary>
    /// <exception cref="JsonSchemaException">The schema uses an unsupported keyword, is malformed, or allows no value.</exception>
    public static Grammar FromSchema(JsonNode? schema)
    {
        var gbnf = ToGbnf(schema);
        try
        {
            return Grammar.Parse(gbnf);
        }
        catch (GrammarException e)
        {
            // The GBNF is well-formed by construction; what can fail is its size (many large bounds together).
            throw new JsonSchemaException("#", $"the schema's grammar cannot be built: {e.Message}", e);
        }
    }

    /// <summary>The GBNF text <see cref="FromSchema"/> parses: useful to log or to hand to llama.cpp.</summary>
    /// <exception cref="JsonSchemaException">The schema uses an unsupported keyword, is malformed, or allows no value.</exception>
    public static string ToGbnf(JsonNode? schema) => new JsonSchemaCompiler(schema).Compile();
}
