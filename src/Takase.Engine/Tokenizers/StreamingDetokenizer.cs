using System.Text;

namespace Takase.Engine.Tokenizers;

/// <summary>
/// Turns one generation's tokens into text as they arrive, never emitting half a character: a token may carry only
/// some bytes of a UTF-8 sequence (byte-fallback &lt;0xE3&gt;, a byte-level piece of an emoji), so those bytes are
/// held until the sequence completes. Bytes that can never form a character come out as U+FFFD.
/// One instance per stream; not for use from several threads at once.
/// </summary>
public sealed class StreamingDetokenizer
{
    private readonly Tokenizer _tokenizer;
    private readonly bool _renderSpecial;
    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private char[] _chars = new char[32];

    /// <summary>A detokenizer for one stream; <paramref name="renderSpecial"/> also shows control tokens as text.</summary>
    public StreamingDetokenizer(Tokenizer tokenizer, bool renderSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _renderSpecial = renderSpecial;
    }

    /// <summary>The complete characters that token <paramref name="id"/> finishes (possibly none).</summary>
    public string Append(int id) => Decode(_tokenizer.TokenBytes(id, _renderSpecial), flush: false);

    /// <summary>Ends the stream: whatever is still held back, an incomplete sequence as U+FFFD. The instance can then start a new stream.</summary>
    public string Flush()
    {
        var text = Decode([], flush: true);
        _decoder.Reset();
        return text;
    }

    private string Decode(ReadOnlySpan<byte> bytes, bool flush)
    {
        var count = _decoder.GetCharCount(bytes, flush);
        if (count == 0 && !flush && bytes.IsEmpty) return "";
        if (count > _chars.Length) _chars = new char[Math.Max(count, _chars.Length * 2)];
        var written = _decoder.GetChars(bytes, _chars, flush);
        return written == 0 ? "" : new string(_chars, 0, written);
    }
}
