namespace Takase.Engine.Tokenizers;

/// <summary>
/// The tokenizer-related metadata of a model as read from GGUF (keys <c>tokenizer.ggml.*</c>), before llama.cpp's
/// defaults and conventions are applied. Lets tests build small vocabularies without writing a file.
/// </summary>
internal sealed record TokenizerDefinition
{
    /// <summary>Where the values came from, for error messages (a file path).</summary>
    public required string Source { get; init; }
    public required string Model { get; init; }
    public string? Pre { get; init; }
    public required string[] Tokens { get; init; }
    public float[]? Scores { get; init; }
    public int[]? TokenTypes { get; init; }
    public string[]? Merges { get; init; }

    public long? BosId { get; init; }
    public long? EosId { get; init; }
    public long? EotId { get; init; }
    public long? EomId { get; init; }
    public long? UnknownId { get; init; }
    public long? SeparatorId { get; init; }
    public long? PaddingId { get; init; }
    public long? FimPrefixId { get; init; }
    public long? FimSuffixId { get; init; }
    public long? FimMiddleId { get; init; }
    public long? FimPadId { get; init; }
    public long? FimRepoId { get; init; }
    public long? FimSeparatorId { get; init; }

    public bool? AddBos { get; init; }
    public bool? AddEos { get; init; }
    public bool? AddSep { get; init; }
    public bool? AddSpacePrefix { get; init; }
    public bool? Lowercase { get; init; }
    public bool? StripAccents { get; init; }

    /// <summary>general.name: a few llama.cpp conventions key on it (Phi-3 strips spaces after special tokens).</summary>
    public string? ModelName { get; init; }
    public string? Architecture { get; init; }
}
