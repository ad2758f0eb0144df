using Takase.Engine.Tokenizers;

namespace Takase.Engine.Tests.Grammars;

/// <summary>
/// Small SentencePiece ("llama") vocabularies built in memory: &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt; (end of generation), a
/// control token, the 256 byte tokens &lt;0x00&gt;…&lt;0xFF&gt; (which cut UTF-8 characters apart, as real byte-fallback
/// tokens do), then the given pieces. Lets constraint tests run without ../shared.
/// </summary>
internal static class TinyVocabulary
{
    public const int Unknown = 0;
    public const int Bos = 1;
    public const int Eos = 2;
    public const int Control = 3;
    public const int FirstByte = 4;
    public const int FirstPiece = FirstByte + 256;

    public static Tokenizer Create(params string[] pieces)
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>", "<|im_start|>" };
        var types = new List<int> { 2, 3, 3, 3 };
        for (var b = 0; b < 256; b++)
        {
            tokens.Add($"<0x{b:X2}>");
            types.Add(6);
        }
        foreach (var piece in pieces)
        {
            tokens.Add(piece.Replace(' ', '\u2581'));
            types.Add(1);
        }
        return new Tokenizer(new TokenizerDefinition
        {
            Source = "tiny test vocabulary",
            Model = "llama",
            Tokens = tokens.ToArray(),
            Scores = new float[tokens.Count],
            TokenTypes = types.ToArray(),
        });
    }

    /// <summary>The id of the byte token for <paramref name="b"/>.</summary>
    public static int ByteToken(byte b) => FirstByte + b;
}
