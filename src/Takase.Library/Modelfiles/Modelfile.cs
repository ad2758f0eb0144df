namespace Takase.Library.Modelfiles;

/// <summary>
/// A parsed Modelfile: the recipe <c>takase create</c> (like <c>ollama create</c>) turns into a model.
/// Lists keep the order they had in the file; equality compares contents, so <c>parse(write(m)) == m</c> is testable.
/// </summary>
public sealed record Modelfile
{
    /// <summary>The base: a library model name (<c>llama3.2:1b</c>), a GGUF file, or a directory of safetensors (see <see cref="ModelfileSource"/>).</summary>
    public required string From { get; init; }

    /// <summary>Further FROM lines after the first (Ollama prints a vision projector this way).</summary>
    public IReadOnlyList<string> AdditionalFrom { get; init; } = [];

    /// <summary>PARAMETER lines in file order; a name may repeat (stop does, others: the last one wins).</summary>
    public IReadOnlyList<ModelfileParameter> Parameters { get; init; } = [];

    /// <summary>TEMPLATE: the prompt template in Ollama's Go-template syntax, or null when the file sets none.</summary>
    public string? Template { get; init; }

    /// <summary>SYSTEM: the default system message, or null.</summary>
    public string? System { get; init; }

    /// <summary>ADAPTER lines: LoRA adapter paths (GGUF or safetensors).</summary>
    public IReadOnlyList<string> Adapters { get; init; } = [];

    /// <summary>LICENSE blocks, in order (a model may carry several).</summary>
    public IReadOnlyList<string> Licenses { get; init; } = [];

    /// <summary>MESSAGE lines: a conversation placed before every chat.</summary>
    public IReadOnlyList<ModelfileMessage> Messages { get; init; } = [];

    /// <summary>REQUIRES: the minimum server version as semver without the leading "v" (e.g. "0.14.0"), or null.</summary>
    public string? Requires { get; init; }

    /// <summary>RENDERER: a built-in prompt renderer used instead of the template (newer Ollama models), or null.</summary>
    public string? Renderer { get; init; }

    /// <summary>PARSER: a built-in output parser for tool calls and thinking (newer Ollama models), or null.</summary>
    public string? Parser { get; init; }

    /// <summary>DRAFT: a draft model for speculative decoding, or null.</summary>
    public string? Draft { get; init; }

    /// <summary>The value of the last PARAMETER with this name, or null when none is set.</summary>
    public string? Parameter(string name)
    {
        for (var i = Parameters.Count - 1; i >= 0; i--)
            if (Parameters[i].Name == name) return Parameters[i].Value;
        return null;
    }

    /// <summary>Every value of a repeatable parameter, in order (e.g. all stop sequences).</summary>
    public IReadOnlyList<string> ParameterValues(string name)
    {
        var values = new List<string>();
        foreach (var p in Parameters)
            if (p.Name == name) values.Add(p.Value);
        return values;
    }

    /// <inheritdoc />
    public bool Equals(Modelfile? other) =>
        other is not null
        && From == other.From
        && Template == other.Template
        && System == other.System
        && Requires == other.Requires
        && Renderer == other.Renderer
        && Parser == other.Parser
        && Draft == other.Draft
        && AdditionalFrom.SequenceEqual(other.AdditionalFrom)
        && Parameters.SequenceEqual(other.Parameters)
        && Adapters.SequenceEqual(other.Adapters)
        && Licenses.SequenceEqual(other.Licenses)
        && Messages.SequenceEqual(other.Messages);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(From, Template, System, Parameters.Count, Messages.Count);
}

/// <summary>One PARAMETER line: the parameter's canonical (lower-case) name and its value as written, already type-checked.</summary>
public sealed record ModelfileParameter(string Name, string Value);

/// <summary>One MESSAGE line: a role (system, user, assistant or tool) and its text.</summary>
public sealed record ModelfileMessage(string Role, string Content);
