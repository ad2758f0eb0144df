namespace Takase.Engine.Grammars.Json;

/// <summary>
/// A JSON schema that cannot be turned into a grammar: a keyword that would change which values are valid but is
/// not supported, a malformed value, a <c>$ref</c> that points nowhere, or a schema no value satisfies. The message
/// and <see cref="SchemaPath"/> say where in the schema. An <see cref="ArgumentException"/>: the schema is the
/// caller's input (an API request's response format), to be answered with a client error.
/// </summary>
public sealed class JsonSchemaException : ArgumentException
{
    /// <summary>Creates an error about the schema location <paramref name="schemaPath"/> (a JSON pointer such as
    /// <c>#/properties/age</c>).</summary>
    public JsonSchemaException(string schemaPath, string message, Exception? inner = null)
        : base($"JSON schema at {schemaPath}: {message}", inner)
    {
        SchemaPath = schemaPath;
    }

    /// <summary>Where in the schema the problem is, as a JSON pointer fragment (<c>#</c> is the whole schema).</summary>
    public string SchemaPath { get; }
}
