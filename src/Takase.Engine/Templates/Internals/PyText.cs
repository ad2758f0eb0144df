using System.Globalization;
using System.Text;

namespace Takase.Engine.Templates.Internals;

/// <summary>
/// Python str semantics over .NET strings. Python indexes strings by code point while .NET uses UTF-16 units,
/// so everything that counts, slices or iterates characters goes through here (emoji and rare kanji are
/// surrogate pairs in .NET but one character in Python).
/// </summary>
internal static class PyText
{
    /// <summary>Python's str.isspace for one UTF-16 unit (surrogates are never space).</summary>
    public static bool IsSpace(char c) =>
        c is ' ' or '\t' or '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x1f' or '\x85'
        || (c > 0x7f && char.IsWhiteSpace(c));

    public static bool HasSurrogates(string s) => s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    /// <summary>len(s) in Python: the number of code points.</summary>
    public static int Length(string s)
    {
        if (!HasSurrogates(s)) return s.Length;
        var n = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            n++;
        }
        return n;
    }

    /// <summary>The code points of s, each as a string (what iterating a Python str yields).</summary>
    public static List<object?> Chars(string s)
    {
        var list = new List<object?>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                list.Add(s.Substring(i, 2));
                i++;
            }
            else list.Add(s[i].ToString());
        }
        return list;
    }

    /// <summary>UTF-16 offset of code point index <paramref name="cp"/> (cp may equal the length).</summary>
    public static int OffsetOf(string s, int cp)
    {
        if (!HasSurrogates(s)) return cp;
        var i = 0;
        for (var n = 0; n < cp && i < s.Length; n++)
            i += char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
        return i;
    }

    /// <summary>Code point index of UTF-16 offset <paramref name="offset"/>.</summary>
    public static int IndexOf(string s, int offset) => HasSurrogates(s) ? Length(s[..offset]) : offset;

    /// <summary>Orders strings by code point, as Python compares str.</summary>
    public static int CompareCodePoints(string a, string b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            char x = a[i], y = b[i];
            if (x == y) continue;
            // Surrogates (U+D800..DFFF) encode code points above U+FFFF, so they sort after U+E000..U+FFFF.
            int kx = char.IsSurrogate(x) ? x + 0x2000 : (x >= 0xE000 ? x - 0x800 : x);
            int ky = char.IsSurrogate(y) ? y + 0x2000 : (y >= 0xE000 ? y - 0x800 : y);
            return kx.CompareTo(ky);
        }
        return a.Length.CompareTo(b.Length);
    }

    public static string Strip(string s, string? chars, bool left, bool right)
    {
        int start = 0, end = s.Length;
        if (chars is null)
        {
            if (left) while (start < end && IsSpace(s[start])) start++;
            if (right) while (end > start && IsSpace(s[end - 1])) end--;
            return s.Substring(start, end - start);
        }
        var set = Chars(chars).Cast<string>().ToHashSet(StringComparer.Ordinal);
        if (left)
        {
            while (start < end)
            {
                var w = CharWidth(s, start);
                if (!set.Contains(s.Substring(start, w))) break;
                start += w;
            }
        }
        if (right)
        {
            while (end > start)
            {
                var w = end - 2 >= start && char.IsLowSurrogate(s[end - 1]) && char.IsHighSurrogate(s[end - 2]) ? 2 : 1;
                if (!set.Contains(s.Substring(end - w, w))) break;
                end -= w;
            }
        }
        return s.Substring(start, end - start);
    }

    private static int CharWidth(string s, int i) =>
        char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;

    /// <summary>str.split(sep=None, maxsplit=-1).</summary>
    public static List<object?> Split(string s, string? sep, long maxSplit)
    {
        var result = new List<object?>();
        if (sep is null)
        {
            var i = 0;
            while (true)
            {
                while (i < s.Length && IsSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (maxSplit >= 0 && result.Count >= maxSplit)
                {
                    var rest = s[i..];
                    var e = rest.Length;
                    while (e > 0 && IsSpace(rest[e - 1])) e--;
                    result.Add(rest[..e]);
                    break;
                }
                var j = i;
                while (j < s.Length && !IsSpace(s[j])) j++;
                result.Add(s[i..j]);
                i = j;
            }
            return result;
        }
        if (sep.Length == 0) throw new TemplateException(TemplateErrorKind.Value, "empty separator");
        var pos = 0;
        while (maxSplit < 0 || result.Count < maxSplit)
        {
            var k = s.IndexOf(sep, pos, StringComparison.Ordinal);
            if (k < 0) break;
            result.Add(s[pos..k]);
            pos = k + sep.Length;
        }
        result.Add(s[pos..]);
        return result;
    }

    /// <summary>str.rsplit(sep=None, maxsplit=-1).</summary>
    public static List<object?> RSplit(string s, string? sep, long maxSplit)
    {
        if (maxSplit < 0) return Split(s, sep, maxSplit);
        var result = new List<object?>();
        if (sep is null)
        {
            var i = s.Length;
            while (true)
            {
                while (i > 0 && IsSpace(s[i - 1])) i--;
                if (i <= 0) break;
                if (result.Count >= maxSplit)
                {
                    var b = 0;
                    while (b < i && IsSpace(s[b])) b++;
                    result.Add(s[b..i]);
                    break;
                }
                var j = i;
                while (j > 0 && !IsSpace(s[j - 1])) j--;
                result.Add(s[j..i]);
                i = j;
            }
            result.Reverse();
            return result;
        }
        if (sep.Length == 0) throw new TemplateException(TemplateErrorKind.Value, "empty separator");
        var end = s.Length;
        while (result.Count < maxSplit)
        {
            var k = end - sep.Length < 0 ? -1 : s.LastIndexOf(sep, end - 1, end, StringComparison.Ordinal);
            if (k < 0) break;
            result.Add(s[(k + sep.Length)..end]);
            end = k;
        }
        result.Add(s[..end]);
        result.Reverse();
        return result;
    }

    /// <summary>str.splitlines(keepends=False).</summary>
    public static List<object?> SplitLines(string s, bool keepEnds = false)
    {
        var result = new List<object?>();
        var start = 0;
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            var brk = c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029';
            if (!brk)
            {
                i++;
                continue;
            }
            var eol = i + (c == '\r' && i + 1 < s.Length && s[i + 1] == '\n' ? 2 : 1);
            result.Add(s[start..(keepEnds ? eol : i)]);
            start = i = eol;
        }
        if (start < s.Length) result.Add(s[start..]);
        return result;
    }

    public static string Upper(string s) => s.ToUpperInvariant().Replace("ß", "SS");
    public static string Lower(string s) => s.ToLowerInvariant();

    /// <summary>str.capitalize(): first character title-cased, the rest lower-cased.</summary>
    public static string Capitalize(string s)
    {
        if (s.Length == 0) return s;
        var w = CharWidth(s, 0);
        return Upper(s[..w]) + Lower(s[w..]);
    }

    /// <summary>str.title(): upper-case the first cased character after each uncased run.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        var previousCased = false;
        foreach (var c in s)
        {
            var cased = char.IsUpper(c) || char.IsLower(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.TitlecaseLetter;
            sb.Append(cased ? (previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)) : c);
            previousCased = cased;
        }
        return sb.ToString();
    }

    /// <summary>str.islower(): at least one cased character and no upper-case ones.</summary>
    public static bool IsLower(string s)
    {
        var cased = false;
        foreach (var c in s)
        {
            if (char.IsUpper(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.TitlecaseLetter) return false;
            if (char.IsLower(c)) cased = true;
        }
        return cased;
    }

    /// <summary>str.isupper(): at least one cased character and no lower-case ones.</summary>
    public static bool IsUpper(string s)
    {
        var cased = false;
        foreach (var c in s)
        {
            if (char.IsLower(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.TitlecaseLetter) return false;
            if (char.IsUpper(c)) cased = true;
        }
        return cased;
    }

    /// <summary>str.replace(old, new, count).</summary>
    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0)
        {
            if (old.Length > 0) return s.Replace(old, replacement, StringComparison.Ordinal);
            count = long.MaxValue;
        }
        var sb = new StringBuilder();
        if (old.Length == 0)
        {
            // Python inserts the replacement before every character and at the end.
            var chars = Chars(s);
            long n = 0;
            foreach (var ch in chars)
            {
                if (n++ < count) sb.Append(replacement);
                sb.Append(ch);
            }
            if (n < count) sb.Append(replacement);
            return sb.ToString();
        }
        var pos = 0;
        long done = 0;
        while (done < count)
        {
            var k = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (k < 0) break;
            sb.Append(s, pos, k - pos).Append(replacement);
            pos = k + old.Length;
            done++;
        }
        sb.Append(s, pos, s.Length - pos);
        return sb.ToString();
    }

    /// <summary>Counts non-overlapping occurrences (str.count).</summary>
    public static long Count(string s, string sub)
    {
        if (sub.Length == 0) return Length(s) + 1;
        long n = 0;
        var pos = 0;
        while ((pos = s.IndexOf(sub, pos, StringComparison.Ordinal)) >= 0)
        {
            n++;
            pos += sub.Length;
        }
        return n;
    }

    /// <summary>Python's regex \w for one code point (str.isalnum() or underscore).</summary>
    public static bool IsWordRune(Rune r) =>
        r.Value == '_' || Rune.IsLetterOrDigit(r)
        || Rune.GetUnicodeCategory(r) is UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
}
