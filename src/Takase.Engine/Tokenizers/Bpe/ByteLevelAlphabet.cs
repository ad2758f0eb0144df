namespace Takase.Engine.Tokenizers.Bpe;

/// <summary>
/// GPT-2's reversible byte ↔ character table: byte-level BPE vocabularies spell every byte as a printable
/// character (printable Latin-1 bytes as themselves, the other 68 bytes as U+0100…U+0143), so that "Ġ" in a token
/// is the byte 0x20. Every mapped character is a single UTF-16 unit.
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>Byte value → its character.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>Character → byte value, or -1 for characters outside the alphabet (index by char code).</summary>
    public static readonly short[] CharToByte = BuildCharToByte();

    private static bool IsPrintable(int b) => b is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++) map[b] = IsPrintable(b) ? (char)b : (char)next++;
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var map = new short[0x144];
        Array.Fill(map, (short)-1);
        for (var b = 0; b < 256; b++) map[ByteToChar[b]] = (short)b;
        return map;
    }

    /// <summary>The byte a character stands for, or -1.</summary>
    public static int ToByte(int c) => (uint)c < (uint)CharToByte.Length ? CharToByte[c] : -1;
}
