using System.Buffers;
using System.Text;

namespace Takase.Engine.Tokenizers.Unicode;

/// <summary>UTF-16 ↔ code point helpers that treat a lone surrogate as U+FFFD, as a UTF-8 round trip would.</summary>
internal static class CodePoints
{
    /// <summary>Decodes <paramref name="text"/> into <paramref name="destination"/> (at least text.Length long); returns the count.</summary>
    public static int Decode(ReadOnlySpan<char> text, Span<int> destination)
    {
        var count = 0;
        while (!text.IsEmpty)
        {
            Rune.DecodeFromUtf16(text, out var rune, out var consumed); // invalid → U+FFFD, consumed ≥ 1
            destination[count++] = rune.Value;
            text = text[consumed..];
        }
        return count;
    }

    /// <summary>The text unchanged when it is well-formed UTF-16, else a copy with each lone surrogate replaced by U+FFFD.</summary>
    public static string Sanitize(string text)
    {
        var i = 0;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (!char.IsSurrogate(c)) continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            break;
        }
        if (i == text.Length) return text;
        var builder = new StringBuilder(text.Length);
        foreach (var rune in EnumerateLenient(text)) builder.Append(rune.ToString());
        return builder.ToString();
    }

    /// <summary>UTF-8 bytes of one code point into <paramref name="destination"/> (≥ 4 bytes); returns the length.</summary>
    public static int EncodeUtf8(int codePoint, Span<byte> destination) =>
        (Rune.IsValid(codePoint) ? new Rune(codePoint) : Rune.ReplacementChar).EncodeToUtf8(destination);

    /// <summary>Renders a byte array as text, invalid sequences as U+FFFD.</summary>
    public static string Utf8ToString(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    private static IEnumerable<Rune> EnumerateLenient(string text)
    {
        var position = 0;
        while (position < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(position), out var rune, out var consumed);
            yield return rune;
            position += consumed;
        }
    }

    /// <summary>A pooled int buffer with the code points of <paramref name="text"/>; return it with <see cref="ArrayPool{T}.Return"/>.</summary>
    public static int[] Rent(ReadOnlySpan<char> text, out int count)
    {
        var buffer = ArrayPool<int>.Shared.Rent(Math.Max(1, text.Length));
        count = Decode(text, buffer);
        return buffer;
    }
}
