using System.Globalization;
using System.Text;

namespace Takase.Engine.Grammars.Gbnf;

/// <summary>Writes code points into GBNF source: string literals and character classes, escaped so the parser
/// reads back exactly the same code points.</summary>
internal static class GbnfText
{
    /// <summary>A GBNF string literal matching exactly <paramref name="text"/>, e.g. <c>"say \"hi\""</c>.</summary>
    public static string Literal(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var rune in text.EnumerateRunes())
        {
            var c = rune.Value;
            if (c == '"' || c == '\\') builder.Append('\\').Append((char)c);
            else AppendReadable(builder, c);
        }
        return builder.Append('"').ToString();
    }

    /// <summary>Appends one member of a character class: ]-^\ and anything invisible are escaped.</summary>
    public static void AppendClassChar(StringBuilder builder, int c)
    {
        if (c is ']' or '[' or '\\') builder.Append('\\').Append((char)c);
        else if (c is '-' or '^') Hex(builder, c);
        else AppendReadable(builder, c);
    }

    private static void AppendReadable(StringBuilder builder, int c)
    {
        switch (c)
        {
            case '\n': builder.Append("\\n"); return;
            case '\r': builder.Append("\\r"); return;
            case '\t': builder.Append("\\t"); return;
        }
        if (c is >= 0x20 and < 0x7F) builder.Append((char)c);
        else if (c >= 0xA0 && Rune.IsValid(c) && IsVisible(new Rune(c))) builder.Append(new Rune(c).ToString());
        else Hex(builder, c);
    }

    private static bool IsVisible(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark => false,
        _ => true,
    };

    private static void Hex(StringBuilder builder, int c)
    {
        if (c < 0x100) builder.Append("\\x").Append(c.ToString("X2", CultureInfo.InvariantCulture));
        else if (c < 0x10000) builder.Append("\\u").Append(c.ToString("X4", CultureInfo.InvariantCulture));
        else builder.Append("\\U").Append(c.ToString("X8", CultureInfo.InvariantCulture));
    }
}
