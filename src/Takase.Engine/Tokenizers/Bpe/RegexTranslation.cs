using System.Text;
using Takase.Engine.Tokenizers.Unicode;

namespace Takase.Engine.Tokenizers.Bpe;

/// <summary>
/// Turns a pre-tokenizer regex as llama.cpp writes it into a .NET pattern over the one-unit-per-code-point views of
/// <see cref="PreTokenizerInput"/>, the way llama.cpp prepares it for std::regex: each \p{X} becomes the class
/// "stand-in character for X, plus the ASCII members of X". The result runs with <c>RegexOptions.ECMAScript</c>, so
/// \s, \d and \w keep their ASCII-only std::regex meaning.
/// </summary>
internal static class RegexTranslation
{
    private static readonly (string Name, CodePointFlags Category)[] Categories =
    [
        ("\\p{N}", CodePointFlags.Number), ("\\p{L}", CodePointFlags.Letter), ("\\p{P}", CodePointFlags.Punctuation),
        ("\\p{M}", CodePointFlags.Mark), ("\\p{S}", CodePointFlags.Symbol),
        ("\\p{Lu}", CodePointFlags.Letter), ("\\p{Ll}", CodePointFlags.Letter), ("\\p{Lt}", CodePointFlags.Letter),
        ("\\p{Lm}", CodePointFlags.Letter), ("\\p{Lo}", CodePointFlags.Letter),
    ];

    /// <summary>The stand-in character of a non-ASCII, non-whitespace code point in the collapsed view.</summary>
    public static char StandIn(CodePointFlags flags) => (flags & CodePointFlags.Categories) switch
    {
        CodePointFlags.Number => '\u00D1',
        CodePointFlags.Letter => '\u00D2',
        CodePointFlags.Punctuation => '\u00D3',
        CodePointFlags.Mark => '\u00D4',
        CodePointFlags.Symbol => '\u00D5',
        _ => '\u00D0', // undefined, control, separator: matched by no category
    };

    // The ASCII members of each category, in class syntax.
    private static string AsciiMembers(CodePointFlags category) => category switch
    {
        CodePointFlags.Number => "0-9",
        CodePointFlags.Letter => "A-Za-z",
        CodePointFlags.Punctuation => "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}",
        CodePointFlags.Symbol => "\\$\\+<->\\^`\\|",
        _ => "",
    };

    /// <summary>True when the pattern names a Unicode category and so must run on the collapsed view.</summary>
    public static bool UsesCategories(string pattern) => Categories.Any(c => pattern.Contains(c.Name, StringComparison.Ordinal));

    /// <summary>Rewrites each \p{X} of <paramref name="pattern"/> to its collapsed class.</summary>
    public static string Collapse(string pattern)
    {
        if (pattern.Any(c => c >= 0x80))
            throw new NotSupportedException($"pre-tokenizer regex '{pattern}' mixes Unicode categories with non-ASCII characters, which llama.cpp does not support either");
        var result = new StringBuilder(pattern.Length * 2);
        var inside = false; // inside [...]; llama.cpp's patterns never nest classes
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '[' && (i == 0 || pattern[i - 1] != '\\')) { result.Append('['); inside = true; continue; }
            if (inside && c == ']' && pattern[i - 1] != '\\') { result.Append(']'); inside = false; continue; }
            if (c == '\\' && i + 3 < pattern.Length && pattern[i + 1] == 'p' && pattern[i + 2] == '{')
            {
                var close = pattern.IndexOf('}', i + 3);
                var known = close >= 0 && close <= i + 10 ? Array.FindIndex(Categories, x => x.Name == pattern[i..(close + 1)]) : -1;
                if (known >= 0)
                {
                    var category = Categories[known].Category;
                    if (!inside) result.Append('[');
                    result.Append(StandIn(category)).Append(AsciiMembers(category));
                    if (!inside) result.Append(']');
                    i = close;
                    continue;
                }
            }
            result.Append(c);
        }
        return result.ToString();
    }
}
