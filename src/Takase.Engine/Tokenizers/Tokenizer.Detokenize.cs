using System.Buffers;

namespace Takase.Engine.Tokenizers;

public sealed partial class Tokenizer
{
    /// <summary>
    /// Turns token ids back into the text they were encoded from, as llama.cpp's <c>llama_detokenize</c>: the space a
    /// SentencePiece vocabulary put in front of the text is removed again, <paramref name="removeSpecial"/> drops the
    /// BOS/EOS that <see cref="Encode"/> added, <paramref name="unparseSpecial"/> renders control tokens as their text,
    /// and vocabularies that ask for it get llama.cpp's space clean-up (" ," → ","; " 's" → "'s").
    /// </summary>
    public string Detokenize(IEnumerable<int> ids, bool removeSpecial = false, bool unparseSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = ids as int[] ?? ids.ToArray();
        var span = tokens.AsSpan();
        var removeSpace = AddSpacePrefix;
        if (removeSpecial && AddBos && span.Length > 0 && span[0] == BosId)
        {
            removeSpace = false; // llama.cpp keeps the space when a BOS was there to be removed
            span = span[1..];
        }
        if (removeSpecial && AddEos && span.Length > 0 && span[^1] == EosId) span = span[..^1];

        var buffer = new ArrayBufferWriter<byte>(256);
        foreach (var id in span)
        {
            var piece = TokenBytes(id, unparseSpecial);
            if (removeSpace && piece.Length > 0 && piece[0] == (byte)' ') piece = piece[1..];
            removeSpace = false;
            buffer.Write(piece);
        }

        if (!_cleanSpaces) return Unicode.CodePoints.Utf8ToString(buffer.WrittenSpan);
        var text = buffer.WrittenSpan.ToArray();
        var length = CleanSpaces(text);
        return Unicode.CodePoints.Utf8ToString(text.AsSpan(0, length));
    }

    /// <summary>
    /// llama.cpp's three clean-up passes over the bytes, in place (their quirks included: each pass compacts the
    /// buffer while reading it); returns the new length.
    /// </summary>
    private static int CleanSpaces(byte[] text)
    {
        var total = text.Length;

        // 1: " ?", " !", " .", " ," lose the space
        var end = total;
        total = total > 0 ? 1 : 0;
        for (var i = 1; i < end; i++)
        {
            var x = text[i];
            if (text[i - 1] == ' ' && x is (byte)'?' or (byte)'!' or (byte)'.' or (byte)',') total--;
            text[total++] = x;
        }

        // 2: a lone apostrophe between spaces loses both spaces
        end = total;
        total = total > 0 ? 1 : 0;
        for (var i = 1; i < end; i++)
        {
            var x = text[i];
            if (x == '\'' && i + 1 < end && text[i - 1] == ' ' && text[i + 1] == ' ')
            {
                total--;
                text[++i] = 0;
            }
            text[total++] = x;
        }

        // 3: " 's", " 'm", " 're", " 've" lose the space (" 't", " 'd", " 'll" keep it)
        end = total;
        total = total > 0 ? 1 : 0;
        for (var i = 1; i < end; i++)
        {
            var x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < end)
            {
                var x1 = text[i + 1];
                if (x1 is (byte)'s' or (byte)'m') total--;
                else if (x1 is not ((byte)'t' or (byte)'d') && i + 2 < end)
                {
                    var x2 = text[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) total--;
                }
            }
            text[total++] = x;
        }
        return total;
    }
}
