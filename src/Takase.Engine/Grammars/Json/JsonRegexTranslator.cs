using System.Globalization;
using System.Text.RegularExpressions;
using Takase.Engine.Grammars.Gbnf;

namespace Takase.Engine.Grammars.Json;

/// <summary>
/// Turns a JSON Schema "pattern" (an ECMA-262 regular expression) into GBNF for the characters between a JSON
/// string's quotes. The regex matches the decoded string, so a character the regex allows is emitted as JSON writes
/// it: raw, or escaped when it is '"', '\' or a control character. Unanchored patterns match anywhere, as JSON Schema
/// says: <c>abc</c> is any string containing "abc"; <c>^abc$</c> is exactly "abc".
/// </summary>
/// <remarks>
/// Supported: literals, <c>.</c>, classes <c>[a-z]</c> <c>[^…]</c>, <c>\d \w \s \D \W \S</c>, character escapes,
/// groups <c>(…)</c> <c>(?:…)</c> <c>(?&lt;name&gt;…)</c>, <c>|</c>, <c>* + ? {n} {n,} {n,m}</c> (lazy forms too), and
/// <c>^</c>/<c>$</c> at the ends. Refused with an error: backreferences, lookaround, word boundaries, Unicode
/// property escapes, and anchors elsewhere.
/// </remarks>
internal sealed partial class JsonRegexTranslator
{
    private static readonly CodePointSet Digits = CodePointSet.FromRanges([('0', '9')]);
    private static readonly CodePointSet WordChars = CodePointSet.FromRanges([('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')]);
    private static readonly CodePointSet Spaces = CodePointSet.FromRanges([(9, 13), (' ', ' '), (0xA0, 0xA0), (0x1680, 0x1680),
        (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF)]);
    private static readonly CodePointSet LineTerminators = CodePointSet.FromRanges([('\n', '\n'), ('\r', '\r'), (0x2028, 0x2029)]);
    private static readonly CodePointSet NeedsEscape = CodePointSet.FromRanges([('"', '"'), ('\\', '\\'), (0, 0x1F)]);

    private readonly string _pattern;
    private readonly string _path;
    private readonly JsonSchemaCompiler _compiler;
    private readonly string _hint;
    private int _pos;

    public JsonRegexTranslator(string pattern, string path, JsonSchemaCompiler compiler, string hint)
    {
        _pattern = pattern;
        _path = path;
        _compiler = compiler;
        _hint = hint;
    }

    /// <summary>The GBNF (a sequence of items) for the string's content.</summary>
    public string Translate()
    {
        var body = ParseAlternation(top: true);
        if (_pos < _pattern.Length) throw Error("unbalanced ')'");
        return body;
    }

    private bool AtEnd => _pos >= _pattern.Length;

    private char Current => _pos < _pattern.Length ? _pattern[_pos] : '\0';

    private JsonSchemaException Error(string message) =>
        new(_path, $"pattern '{_pattern}': {message} at position {_pos}");

    private string ParseAlternation(bool top)
    {
        var options = new List<string> { ParseSequence(top) };
        while (Current == '|')
        {
            _pos++;
            options.Add(ParseSequence(top));
        }
        return options.Count == 1 ? options[0] : $"({string.Join(" | ", options)})";
    }

    private string ParseSequence(bool top)
    {
        var startAnchored = false;
        var endAnchored = false;
        if (Current == '^')
        {
            if (!top) throw Error("'^' inside a group is not supported; put it at the start of the pattern");
            startAnchored = true;
            _pos++;
        }
        var items = new List<string>();
        while (!AtEnd && Current is not ('|' or ')'))
        {
            if (Current == '$')
            {
                _pos++;
                if (!top || !(AtEnd || Current == '|'))
                    throw Error("'$' before the end of the pattern is not supported");
                endAnchored = true;
                break;
            }
            if (Current == '^') throw Error("'^' after the start of the pattern is not supported");
            items.Add(ParseQuantifiers(ParseAtom()));
        }
        if (top)
        {
            // JSON Schema patterns are unanchored: anything may come before and after.
            var any = _compiler.AnyStringChar() + "*";
            if (!startAnchored) items.Insert(0, any);
            if (!endAnchored) items.Add(any);
        }
        return string.Join(" ", items.Where(i => i.Length > 0));
    }

    private string ParseQuantifiers(string atom)
    {
        while (true)
        {
            int min;
            int? max;
            var c = Current;
            if (c is '*' or '+' or '?')
            {
                _pos++;
                (min, max) = c switch { '*' => (0, (int?)null), '+' => (1, null), _ => (0, 1) };
            }
            else if (c == '{' && BoundedQuantifier().Match(_pattern, _pos) is { Success: true } match)
            {
                _pos += match.Length;
                min = ParseCount(match.Groups[1].Value);
                max = !match.Groups[2].Success ? min : match.Groups[3].Value.Length == 0 ? null : ParseCount(match.Groups[3].Value);
                if (max < min) throw Error($"quantifier {match.Value} has its maximum below its minimum");
            }
            else return atom;
            if (Current == '?') _pos++;   // lazy: the same strings match
            atom = max switch
            {
                null when min == 0 => $"{atom}*",
                null when min == 1 => $"{atom}+",
                null => $"{atom}{{{min},}}",
                0 => "()",
                _ when min == 0 && max == 1 => $"{atom}?",
                _ when min == max => $"{atom}{{{min}}}",
                _ => $"{atom}{{{min},{max}}}",
            };
        }
    }

    private int ParseCount(string digits)
    {
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > GbnfParser.MaxRepetition)
            throw Error($"repetition count {digits} is above the supported limit of {GbnfParser.MaxRepetition}");
        return value;
    }

    private string ParseAtom()
    {
        var c = Current;
        switch (c)
        {
            case '(':
                _pos++;
                if (Current == '?')
                {
                    if (_pattern.AsSpan(_pos).StartsWith("?:")) _pos += 2;
                    else if (NamedGroup().Match(_pattern, _pos) is { Success: true } named) _pos += named.Length;
                    else throw Error("lookahead, lookbehind and other (?…) groups are not supported; use (…) or (?:…)");
                }
                var inner = ParseAlternation(top: false);
                if (Current != ')') throw Error("missing ')'");
                _pos++;
                return $"({inner})";
            case '[':
                return CharRule(ParseClass());
            case '.':
                _pos++;
                return CharRule(LineTerminators.Complement());
            case '\\':
                return CharRule(ParseEscape(inClass: false));
            case '*' or '+' or '?':
                throw Error($"'{c}' has nothing to repeat");
            case '{' when BoundedQuantifier().IsMatch(_pattern, _pos):
                throw Error("'{' quantifier has nothing to repeat");
            case ')':
                throw Error("unbalanced ')'");
        }
        var codePoint = char.ConvertToUtf32(_pattern, _pos);
        _pos += codePoint > 0xFFFF ? 2 : 1;
        return CharRule(CodePointSet.Single(codePoint));
    }

    private CodePointSet ParseClass()
    {
        var open = _pos++;
        var negated = Current == '^';
        if (negated) _pos++;
        var set = CodePointSet.Empty;
        while (Current != ']')
        {
            if (AtEnd)
            {
                _pos = open;
                throw Error("unterminated character class");
            }
            var (first, single) = ParseClassAtom();
            if (Current == '-' && _pos + 1 < _pattern.Length && _pattern[_pos + 1] != ']' && single is { } lo)
            {
                _pos++;
                var (last, end) = ParseClassAtom();
                if (end is not { } hi)
                {
                    set = set.Union(first).Union(CodePointSet.Single('-')).Union(last);
                    continue;
                }
                if (hi < lo) throw Error("character range out of order");
                set = set.Union(CodePointSet.FromRanges([(lo, hi)]));
                continue;
            }
            set = set.Union(first);
        }
        _pos++;
        return negated ? set.Complement() : set;
    }

    private (CodePointSet Set, int? Single) ParseClassAtom()
    {
        if (Current == '\\')
        {
            var set = ParseEscape(inClass: true);
            return (set, set.Ranges.Count() == 1 && set.Ranges.First().Lo == set.Ranges.First().Hi ? set.Min : null);
        }
        var codePoint = char.ConvertToUtf32(_pattern, _pos);
        _pos += codePoint > 0xFFFF ? 2 : 1;
        return (CodePointSet.Single(codePoint), codePoint);
    }

    private CodePointSet ParseEscape(bool inClass)
    {
        _pos++;
        if (AtEnd) throw Error("the pattern ends with a lone '\\'");
        var c = Current;
        _pos++;
        switch (c)
        {
            case 'd': return Digits;
            case 'D': return Digits.Complement();
            case 'w': return WordChars;
            case 'W': return WordChars.Complement();
            case 's': return Spaces;
            case 'S': return Spaces.Complement();
            case 'n': return CodePointSet.Single('\n');
            case 'r': return CodePointSet.Single('\r');
            case 't': return CodePointSet.Single('\t');
            case 'f': return CodePointSet.Single('\f');
            case 'v': return CodePointSet.Single('\v');
            case 'b' when inClass: return CodePointSet.Single('\b');
            case 'b' or 'B': throw Error($"word boundary '\\{c}' is not supported");
            case '0' when !char.IsAsciiDigit(Current): return CodePointSet.Single(0);
            case >= '1' and <= '9': throw Error("backreferences are not supported");
            case 'k': throw Error("named backreferences are not supported");
            case 'p' or 'P': throw Error("Unicode property escapes are not supported; use explicit ranges such as [\\u3040-\\u309F]");
            case 'c' when char.IsAsciiLetter(Current):
                return CodePointSet.Single(_pattern[_pos++] % 32);
            case 'x': return CodePointSet.Single(Hex(2));
            case 'u' when Current == '{':
                {
                    var close = _pattern.IndexOf('}', _pos);
                    if (close < 0 || !int.TryParse(_pattern.AsSpan(_pos + 1, close - _pos - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value)
                        || value > CodePointSet.MaxCodePoint)
                        throw Error("malformed \\u{…} escape");
                    _pos = close + 1;
                    return CodePointSet.Single(value);
                }
            case 'u':
                {
                    var unit = Hex(4);
                    // A surrogate pair written as two \u escapes is one character.
                    if (unit is >= 0xD800 and <= 0xDBFF && _pattern.AsSpan(_pos).StartsWith("\\u"))
                    {
                        var save = _pos;
                        _pos += 2;
                        var low = Hex(4);
                        if (low is >= 0xDC00 and <= 0xDFFF) return CodePointSet.Single(char.ConvertToUtf32((char)unit, (char)low));
                        _pos = save;
                    }
                    return CodePointSet.Single(unit);
                }
        }
        _pos--;
        var codePoint = char.ConvertToUtf32(_pattern, _pos);   // an escaped character stands for itself
        _pos += codePoint > 0xFFFF ? 2 : 1;
        return CodePointSet.Single(codePoint);
    }

    private int Hex(int digits)
    {
        if (_pos + digits > _pattern.Length ||
            !int.TryParse(_pattern.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            throw Error($"expected {digits} hex digits");
        _pos += digits;
        return value;
    }

    /// <summary>GBNF for one string character whose decoded value is in <paramref name="set"/>.</summary>
    private string CharRule(CodePointSet set)
    {
        if (set.IsEmpty) throw Error("a character class matches nothing");
        var raw = set.Except(NeedsEscape);
        var parts = new List<string>();
        if (!raw.IsEmpty)
        {
            var single = raw.Ranges.Count() == 1 && raw.Min == raw.Ranges.First().Hi;
            parts.Add(single ? GbnfText.Literal(char.ConvertFromUtf32(raw.Min)) : raw.ToGbnf());
        }
        // Characters JSON must escape: the short escapes where there is one, \u00XX for the other controls.
        var shortForms = new List<(int, int)>();
        foreach (var (codePoint, letter) in new[] { ('"', '"'), ('\\', '\\'), (8, 'b'), (12, 'f'), ('\n', 'n'), ('\r', 'r'), ('\t', 't') })
            if (set.Contains(codePoint)) shortForms.Add((letter, letter));
        if (shortForms.Count > 0) parts.Add($"\"\\\\\" {CodePointSet.FromRanges(shortForms).ToGbnf()}");
        for (var high = 0; high < 2; high++)
        {
            var lows = Enumerable.Range(0, 16).Where(low => high * 16 + low is not (8 or 9 or 10 or 12 or 13) && set.Contains(high * 16 + low)).ToList();
            if (lows.Count == 0) continue;
            var hex = CodePointSet.FromRanges(lows.SelectMany(l => l < 10
                ? new[] { ('0' + l, '0' + l) }
                : [('a' + l - 10, 'a' + l - 10), ('A' + l - 10, 'A' + l - 10)]));
            parts.Add($"{GbnfText.Literal($"\\u00{high}")} {hex.ToGbnf()}");
        }
        return parts.Count == 1 && !parts[0].Contains(' ') ? parts[0] : _compiler.HelperRule(_hint + "-char", string.Join(" | ", parts));
    }

    [GeneratedRegex(@"\G\{(\d+)(,(\d*))?\}")]
    private static partial Regex BoundedQuantifier();

    [GeneratedRegex(@"\G\?<[A-Za-z_][A-Za-z0-9_]*>")]
    private static partial Regex NamedGroup();
}
