using System.Collections.Concurrent;
using Takase.Engine.Grammars;
using Takase.Engine.Grammars.Json;
using Takase.Engine.Sampling;
using Takase.Engine.Tokenizers;

namespace Takase.Server.Inference;

/// <summary>
/// Structured output through the grammar engine: "json" is any JSON object, a schema is compiled to a grammar
/// (compiled grammars are shared: clients usually send the same schema again and again).
/// </summary>
public sealed class GrammarConstraintFactory : IOutputConstraintFactory
{
    private const int MaxCachedSchemas = 256;
    private readonly ConcurrentDictionary<string, Grammar> _schemas = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ITokenConstraint Create(OutputFormat format, Tokenizer tokenizer) => format switch
    {
        OutputFormat.Json => new GrammarConstraint(JsonGrammars.Object, tokenizer),
        OutputFormat.JsonSchema s => new GrammarConstraint(Compile(s), tokenizer),
        _ => throw new ArgumentException($"unknown output format {format}"),
    };

    private Grammar Compile(OutputFormat.JsonSchema format)
    {
        var key = format.Schema.ToJsonString();
        if (_schemas.TryGetValue(key, out var grammar)) return grammar;
        grammar = JsonSchemaGrammar.FromSchema(format.Schema);
        if (_schemas.Count >= MaxCachedSchemas) _schemas.Clear();
        _schemas[key] = grammar;
        return grammar;
    }
}
