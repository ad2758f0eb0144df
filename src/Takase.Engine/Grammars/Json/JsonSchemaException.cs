namespace Takase.Engine.Grammars.Json;

/// <summary>
/// A JSON schema that cannot be turned into a grammar: a keyword that would change which values are valid but is
/// not supported, a malformed value, a <c>$ref</c> that points nowhere, or a schema no value satisfies. The message
/// and <see cref="SchemaPath"/> say where in the schema.
/// </summary>
public sealed class JsonSchemaException : FormatException
{
    /// <summary>Creates an error about the schema location <paramref name="schemaPath"/> (a JSON pointer such as
    /// <c>#/properties/age</c>).</summary>
    public JsonSchemaException(string schemaPath, string message) : base($"JSON schema at {schemaPath}: {message}")
    {
        SchemaPath = schemaPath;
    }

    /// <summary>Where in the schema the problem is, as a JSON pointer fragment (<c>#</c> is the whole schema).</summary>
    public string SchemaPath { get; }
}
