namespace Takase.Engine.Tokenizers.Bpe;

/// <summary>
/// The pre-tokenizer regexes, character for character as llama.cpp's <c>llm_tokenizer_bpe</c> lists them
/// (their Hugging Face originals rewritten for std::regex: "(?i:…)" spelled out as [sS] pairs).
/// </summary>
internal static class PreTokenizerPatterns
{
    public const string Gpt2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

    public const string Llama3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    public const string Qwen2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    public static readonly string[] Default = ["[\\p{P}\\$\\+<=>\\^~\\|]+", Gpt2, "\\p{N}+", "[0-9][0-9][0-9]"];

    public static readonly string[] Falcon = ["[\\p{P}\\$\\+<=>\\^~\\|`]+", Gpt2, "[0-9][0-9][0-9]"];

    // The fourth regex keeps CJK ideographs, kana, Hangul (U+0800…U+9FA5, U+AC00…U+D7FF) together.
    public static readonly string[] DeepSeekCoder = ["[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+", "\\p{N}"];

    public static readonly string[] StarCoder = ["\\p{N}", Gpt2];
}
