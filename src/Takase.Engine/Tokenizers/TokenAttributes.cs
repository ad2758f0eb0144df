namespace Takase.Engine.Tokenizers;

/// <summary>
/// What kind of token an id is, from GGUF <c>tokenizer.ggml.token_type</c> plus the conventions llama.cpp applies on
/// load (EOG-looking texts become control tokens, some models strip spaces beside special tokens). The values are
/// llama.cpp's <c>llama_token_attr</c> bits.
/// </summary>
[Flags]
public enum TokenAttributes
{
    /// <summary>token_type 0 or an unknown type: never produced by encoding, decodes to nothing.</summary>
    Undefined = 0,
    /// <summary>token_type 2: the unknown token; rendered only when special tokens are rendered.</summary>
    Unknown = 1 << 0,
    /// <summary>token_type 5: reserved padding slots.</summary>
    Unused = 1 << 1,
    /// <summary>token_type 1: an ordinary piece of text.</summary>
    Normal = 1 << 2,
    /// <summary>token_type 3: BOS/EOS/chat markers; matched in text only with parseSpecial, rendered only on request.</summary>
    Control = 1 << 3,
    /// <summary>token_type 4: added tokens; always matched in text first and always rendered as their text.</summary>
    UserDefined = 1 << 4,
    /// <summary>token_type 6: a byte-fallback token &lt;0xXX&gt;.</summary>
    Byte = 1 << 5,
    /// <summary>Whitespace to the left of this special token is dropped when splitting text on it.</summary>
    LStrip = 1 << 7,
    /// <summary>Whitespace to the right of this special token is dropped when splitting text on it.</summary>
    RStrip = 1 << 8,
}
