using System.Text;

namespace Takase.Engine.Conversion;

/// <summary>A SentencePiece-style vocabulary as GGUF stores it: text (spaces as ▁), score and token type per id.</summary>
internal sealed record Llama2cVocabulary(string[] Tokens, float[] Scores, int[] TokenTypes);

/// <summary>
/// Reads llama2.c's tokenizer.bin: an int32 max_token_length, then per token a float32 score, an int32 byte length
/// and the UTF-8 bytes. The file does not store the token count; it is the checkpoint's vocab_size.
/// Token types and texts are derived the way llama.cpp's convert-llama2c-to-ggml does, so our GGUF's vocabulary
/// equals one made by llama.cpp.
/// </summary>
internal static class Llama2cTokenizer
{
    // llama.cpp's token types (llama_token_type / LLAMA_TOKEN_TYPE_*).
    private const int Normal = 1, Unknown = 2, Control = 3, Byte = 6;

    // llama2.c's fixed special ids (SentencePiece defaults), as llama.cpp's converter assumes.
    public const int UnknownId = 0, BosId = 1, EosId = 2;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Llama2cVocabulary Read(string path, int vocabSize)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new BinaryReader(stream);
        var length = stream.Length;
        if (length < 4)
            throw Bad(path, $"is {length} bytes long, too short for the 4-byte max_token_length header");
        reader.ReadInt32();   // max_token_length: a buffer size for run.c, not needed here

        var tokens = new string[vocabSize];
        var scores = new float[vocabSize];
        var types = new int[vocabSize];
        for (var id = 0; id < vocabSize; id++)
        {
            if (length - stream.Position < 8)
                throw Bad(path, $"ends after {id} tokens, but the checkpoint's vocab_size is {vocabSize}; are the checkpoint and tokenizer from the same model?");
            scores[id] = reader.ReadSingle();
            var byteLength = reader.ReadInt32();
            if (byteLength < 0 || byteLength > length - stream.Position)
                throw Bad(path, $"token {id} claims {byteLength} bytes, but only {length - stream.Position} remain in the file");
            var bytes = reader.ReadBytes(byteLength);
            string text;
            try
            {
                text = StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw Bad(path, $"token {id} is not valid UTF-8 (bytes {Convert.ToHexString(bytes)})");
            }
            (tokens[id], types[id]) = Classify(id, text);
        }
        if (stream.Position != length)
            throw Bad(path, $"has {length - stream.Position} bytes left after {vocabSize} tokens (the checkpoint's vocab_size); are the checkpoint and tokenizer from the same model?");
        return new Llama2cVocabulary(tokens, scores, types);
    }

    /// <summary>
    /// The GGUF text and type of one token. llama2.c writes the special tokens as "\n&lt;s&gt;\n" and the like, so the
    /// fixed ids get SentencePiece's names; empty pieces can never be produced by text, so they count as control;
    /// "&lt;0xAB&gt;" pieces are byte fallbacks. Spaces become ▁ (U+2581), as SentencePiece vocabularies spell them.
    /// </summary>
    internal static (string Text, int Type) Classify(int id, string text) => id switch
    {
        UnknownId => ("<unk>", Unknown),
        BosId => ("<s>", Control),
        EosId => ("</s>", Control),
        _ when text.Length == 0 => (text, Control),
        _ when IsByteToken(text) => (text, Byte),
        _ => (text.Replace(' ', '\u2581'), Normal),
    };

    private static bool IsByteToken(string text) =>
        text.Length == 6 && text.StartsWith("<0x", StringComparison.Ordinal) && text[5] == '>' &&
        char.IsAsciiHexDigit(text[3]) && char.IsAsciiHexDigit(text[4]);

    private static InvalidDataException Bad(string path, string problem) => new($"llama2.c tokenizer {path} {problem}.");
}
