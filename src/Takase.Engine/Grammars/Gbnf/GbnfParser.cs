using System.Globalization;
using System.Text;

namespace Takase.Engine.Grammars.Gbnf;

/// <summary>
/// Reads GBNF as llama.cpp documents it (grammars/README.md): <c>name ::= alternatives</c> rules, one per line
/// (a rule continues on the next line inside parentheses or after <c>|</c>), string literals, character classes,
/// <c>.</c>, groups, <c>* + ? {m} {m,} {m,n} {,n}</c>, and <c>#</c> comments. Rule names may use letters, digits,
/// '-' and '_'. Errors name the line and column and what was expected there.
/// </summary>
internal sealed class GbnfParser
{
    /// <summary>The largest count a repetition may name; larger ones are refused before anything is expanded.</summary>
    public const int MaxRepetition = 100_000;

    private readonly string _text;
    private int _pos;

    private GbnfParser(string text) => _text = text;

    /// <summary>Parses every rule of <paramref name="text"/>, in source order.</summary>
    /// <exception cref="GrammarException">The text is not valid GBNF.</exception>
    public static IReadOnlyList<GbnfRule> Parse(string text)
    {
        var parser = new GbnfParser(text);
        var rules = new List<GbnfRule>();
        parser.SkipSpace(newlines: true);
        while (!parser.AtEnd) rules.Add(parser.ParseRule());
        if (rules.Count == 0) throw new GrammarException("the grammar has no rules; write at least 'root ::= ...'");
        return rules;
    }

    /// <summary>1-based line and column of <paramref name="offset"/> in <paramref name="text"/>.</summary>
    public static (int Line, int Column) Position(string text, int offset)
    {
        offset = Math.Clamp(offset, 0, text.Length);
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            if (text[i] != '\n') continue;
            line++;
            lineStart = i + 1;
        }
        return (line, offset - lineStart + 1);
    }

    private bool AtEnd => _pos >= _text.Length;

    private char Current => _pos < _text.Length ? _text[_pos] : '\0';

    private GrammarException Error(string message, int? offset = null)
    {
        var (line, column) = Position(_text, offset ?? _pos);
        return new GrammarException(message, line, column);
    }

    private string Found() => AtEnd ? "the end of the grammar" : Current switch
    {
        '\n' or '\r' => "the end of the line",
        _ => $"'{char.ConvertFromUtf32(CodePointAt(_pos))}'",
    };

    private int CodePointAt(int pos) =>
        char.IsHighSurrogate(_text[pos]) && pos + 1 < _text.Length && char.IsLowSurrogate(_text[pos + 1])
            ? char.ConvertToUtf32(_text[pos], _text[pos + 1])
            : _text[pos];

    private GbnfRule ParseRule()
    {
        var start = _pos;
        var name = ParseName() ?? throw Error($"expected a rule name, found {Found()}");
        SkipSpace(newlines: false);
        if (string.CompareOrdinal(_text, _pos, "::=", 0, 3) != 0)
            throw Error($"expected '::=' after the rule name '{name}', found {Found()}");
        _pos += 3;
        SkipSpace(newlines: true);
        var body = ParseAlternatives(nested: false);
        if (!AtEnd && Current is not ('\n' or '\r'))
            throw Error($"expected the end of rule '{name}' (a newline) or another item, found {Found()}");
        SkipSpace(newlines: true);
        return new GbnfRule(name, body, start);
    }

    private GbnfAlternatives ParseAlternatives(bool nested)
    {
        var options = new List<GbnfSequence> { ParseSequence(nested) };
        while (Current == '|')
        {
            _pos++;
            SkipSpace(newlines: true);   // a newline after '|' continues the rule
            options.Add(ParseSequence(nested));
        }
        return new GbnfAlternatives(options);
    }

    private GbnfSequence ParseSequence(bool nested)
    {
        var items = new List<GbnfItem>();
        while (!AtEnd)
        {
            var c = Current;
            var start = _pos;
            if (c == '"') items.Add(ParseLiteral());
            else if (c == '[') items.Add(ParseClass());
            else if (c == '.')
            {
                _pos++;
                items.Add(new GbnfCharClass(CodePointSet.Any));
            }
            else if (c == '(')
            {
                _pos++;
                SkipSpace(newlines: true);
                var body = ParseAlternatives(nested: true);
                if (Current != ')') throw Error($"expected ')' to close the group opened at {Describe(start)}, found {Found()}");
                _pos++;
                items.Add(new GbnfGroup(body));
            }
            else if (c is '*' or '+' or '?' or '{')
            {
                if (items.Count == 0) throw Error($"'{c}' must follow an item to repeat");
                items[^1] = ParseRepetition(items[^1]);
            }
            else if (IsNameChar(c))
            {
                var name = ParseName()!;
                items.Add(new GbnfRuleRef(name, start));
            }
            else if (c == '<')
                throw Error("token references (<...>) are not supported; match the token's text instead");
            else break;
            SkipSpace(newlines: nested);
        }
        return new GbnfSequence(items);
    }

    private GbnfItem ParseRepetition(GbnfItem item)
    {
        var c = Current;
        _pos++;
        switch (c)
        {
            case '*': return new GbnfRepeat(item, 0, null);
            case '+': return new GbnfRepeat(item, 1, null);
            case '?': return new GbnfRepeat(item, 0, 1);
        }
        var open = _pos - 1;
        SkipSpace(newlines: false);
        var min = ParseCount() ?? (Current == ',' ? 0 : throw Error($"expected a number after '{{', found {Found()}"));
        int? max = min;
        SkipSpace(newlines: false);
        if (Current == ',')
        {
            _pos++;
            SkipSpace(newlines: false);
            max = ParseCount();
            SkipSpace(newlines: false);
        }
        if (Current != '}') throw Error($"expected '}}' to close the repetition opened at {Describe(open)}, found {Found()}");
        _pos++;
        if (max < min) throw Error($"repetition {{{min},{max}}} has its maximum below its minimum", open);
        return new GbnfRepeat(item, min, max);
    }

    private int? ParseCount()
    {
        var start = _pos;
        while (char.IsAsciiDigit(Current)) _pos++;
        if (_pos == start) return null;
        if (!int.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > MaxRepetition)
            throw Error($"repetition count {_text[start.._pos]} is larger than the limit of {MaxRepetition}; use '*' or '+' for open-ended repetition", start);
        return value;
    }

    private GbnfLiteral ParseLiteral()
    {
        var open = _pos++;
        var codePoints = new List<int>();
        while (Current != '"')
        {
            if (AtEnd) throw Error("unterminated string literal: expected a closing '\"'", open);
            codePoints.Add(ParseChar());
        }
        _pos++;
        return new GbnfLiteral(codePoints.ToArray());
    }

    private GbnfCharClass ParseClass()
    {
        var open = _pos++;
        var negated = false;
        if (Current == '^')
        {
            negated = true;
            _pos++;
        }
        var ranges = new List<(int, int)>();
        while (Current != ']')
        {
            if (AtEnd) throw Error("unterminated character class: expected a closing ']'", open);
            var rangeStart = _pos;
            var lo = ParseChar();
            var hi = lo;
            if (Current == '-' && _pos + 1 < _text.Length && _text[_pos + 1] != ']')
            {
                _pos++;
                if (AtEnd) throw Error("unterminated character class: expected a closing ']'", open);
                hi = ParseChar();
                if (hi < lo)
                    throw Error($"character range {_text[rangeStart.._pos]} is reversed: its end comes before its start", rangeStart);
            }
            ranges.Add((lo, hi));
        }
        _pos++;
        var set = CodePointSet.FromRanges(ranges);
        return new GbnfCharClass(negated ? set.Complement() : set);
    }

    /// <summary>One character of a literal or class: a code point written as is, or an escape.</summary>
    private int ParseChar()
    {
        var start = _pos;
        if (Current != '\\')
        {
            var codePoint = CodePointAt(_pos);
            _pos += codePoint > 0xFFFF ? 2 : 1;
            return codePoint;
        }
        _pos++;
        var c = Current;
        _pos++;
        switch (c)
        {
            case 'n': return '\n';
            case 'r': return '\r';
            case 't': return '\t';
            case '\\' or '"' or '[' or ']': return c;
            case 'x': return ParseHex(2, start);
            case 'u': return ParseHex(4, start);
            case 'U': return ParseHex(8, start);
        }
        throw Error(AtEnd && c == '\0'
            ? "the grammar ends inside an escape"
            : $"unknown escape '\\{c}'; use \\n \\r \\t \\\\ \\\" \\[ \\] \\xHH \\uHHHH or \\UHHHHHHHH", start);
    }

    private int ParseHex(int digits, int escapeStart)
    {
        var value = 0;
        for (var i = 0; i < digits; i++)
        {
            if (!char.IsAsciiHexDigit(Current))
                throw Error($"expected {digits} hex digits after '{_text[escapeStart..Math.Min(escapeStart + 2, _text.Length)]}', found {Found()}");
            value = value * 16 + (char.IsAsciiDigit(Current) ? Current - '0' : (Current | 0x20) - 'a' + 10);
            _pos++;
        }
        if ((uint)value > CodePointSet.MaxCodePoint)
            throw Error($"escape {_text[escapeStart.._pos]} is beyond the last Unicode code point U+10FFFF", escapeStart);
        return value;
    }

    private string? ParseName()
    {
        var start = _pos;
        while (IsNameChar(Current)) _pos++;
        return _pos > start ? _text[start.._pos] : null;
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    private void SkipSpace(bool newlines)
    {
        while (!AtEnd)
        {
            var c = Current;
            if (c is ' ' or '\t' || (newlines && c is '\r' or '\n')) _pos++;
            else if (c == '#')
                while (!AtEnd && Current is not ('\r' or '\n')) _pos++;
            else break;
        }
    }

    private string Describe(int offset)
    {
        var (line, column) = Position(_text, offset);
        return $"line {line}, column {column}";
    }
}
