using Takase.Engine.Gguf;

namespace Takase.Engine.Conversion;

/// <summary>
/// A Hugging Face tokenizer translated to the <c>tokenizer.ggml.*</c> metadata that llama.cpp and Takase read:
/// what <see cref="HfTokenizerImporter.Import"/> returns. Null fields are not written (the loader's defaults apply).
/// </summary>
public sealed record HfTokenizerVocabulary
{
    /// <summary>llama.cpp's token types (<c>tokenizer.ggml.token_type</c>).</summary>
    public const int Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6;

    /// <summary><c>tokenizer.ggml.model</c>: <c>gpt2</c> (byte-level BPE), <c>llama</c> (SentencePiece) or <c>bert</c> (WordPiece).</summary>
    public required string Model { get; init; }

    /// <summary><c>tokenizer.ggml.pre</c>: the pre-tokenizer name (byte-level BPE and WordPiece only).</summary>
    public string? Pre { get; init; }

    /// <summary>One text per id, padded to the model's vocab_size with <c>[PAD{id}]</c> entries.</summary>
    public required string[] Tokens { get; init; }

    /// <summary>One llama.cpp token type per id (<see cref="Normal"/>, <see cref="Control"/> …).</summary>
    public required int[] TokenTypes { get; init; }

    /// <summary>SentencePiece scores (higher merges first); null for byte-level BPE and WordPiece.</summary>
    public float[]? Scores { get; init; }

    /// <summary>BPE merges as "left right", in rank order; null for SentencePiece and WordPiece.</summary>
    public string[]? Merges { get; init; }

#pragma warning disable CS1591 // the special ids and switches are named after their tokenizer.ggml keys
    public int? BosId { get; init; }
    public int? EosId { get; init; }
    public int? UnknownId { get; init; }
    public int? SeparatorId { get; init; }
    public int? PaddingId { get; init; }
    public int? ClsId { get; init; }
    public int? MaskId { get; init; }
    public bool? AddBos { get; init; }
    public bool? AddEos { get; init; }
    public bool? AddSep { get; init; }
    public bool? AddSpacePrefix { get; init; }
    public bool? Lowercase { get; init; }
    public bool? StripAccents { get; init; }
#pragma warning restore CS1591

    /// <summary>tokenizer_config.json's chat template (the default one when it lists several).</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Further named templates (tool_use, rag …), written as <c>tokenizer.chat_template.NAME</c> and listed
    /// in <c>tokenizer.chat_templates</c>, as llama.cpp's converter does.</summary>
    public IReadOnlyDictionary<string, string> NamedChatTemplates { get; init; } = new Dictionary<string, string>();

    /// <summary>Adds the tokenizer metadata to <paramref name="writer"/>, in llama.cpp's key order.</summary>
    public void WriteTo(GgufWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Add("tokenizer.ggml.model", Model);
        if (Pre is not null) writer.Add("tokenizer.ggml.pre", Pre);
        writer.Add("tokenizer.ggml.tokens", Tokens);
        if (Scores is not null) writer.Add("tokenizer.ggml.scores", Scores);
        writer.Add("tokenizer.ggml.token_type", TokenTypes);
        if (Merges is not null) writer.Add("tokenizer.ggml.merges", Merges);
        void Id(string key, int? id)
        {
            if (id is { } v) writer.Add(key, (uint)v);
        }
        Id("tokenizer.ggml.bos_token_id", BosId);
        Id("tokenizer.ggml.eos_token_id", EosId);
        Id("tokenizer.ggml.unknown_token_id", UnknownId);
        Id("tokenizer.ggml.seperator_token_id", SeparatorId); // sic: llama.cpp spells the key so
        Id("tokenizer.ggml.padding_token_id", PaddingId);
        Id("tokenizer.ggml.cls_token_id", ClsId);
        Id("tokenizer.ggml.mask_token_id", MaskId);
        void Flag(string key, bool? value)
        {
            if (value is { } v) writer.Add(key, v);
        }
        Flag("tokenizer.ggml.add_bos_token", AddBos);
        Flag("tokenizer.ggml.add_eos_token", AddEos);
        Flag("tokenizer.ggml.add_sep_token", AddSep);
        Flag("tokenizer.ggml.add_space_prefix", AddSpacePrefix);
        Flag("tokenizer.ggml.normalizer.lowercase", Lowercase);
        Flag("tokenizer.ggml.normalizer.strip_accents", StripAccents);
        if (ChatTemplate is not null) writer.Add("tokenizer.chat_template", ChatTemplate);
        if (NamedChatTemplates.Count == 0) return;
        writer.Add("tokenizer.chat_templates", NamedChatTemplates.Keys.ToArray());
        foreach (var (name, template) in NamedChatTemplates) writer.Add($"tokenizer.chat_template.{name}", template);
    }
}
