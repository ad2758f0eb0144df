using System.Globalization;
using System.Text;

namespace Takase.Library.GoTemplates;

/// <summary>Kinds of lexical items, as in Go's text/template/parse.</summary>
internal enum TokenKind
{
    Text, LeftDelim, RightDelim, Identifier, Keyword, Field, Variable, Dot, String, Char, Number, Bool, Nil,
    Pipe, LeftParen, RightParen, Declare, Assign, Comma, Eof,
}

/// <summary>One lexical item: kind, its source text (or decoded value for strings), and where it starts.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Offset, object? Value = null);

/// <summary>
/// Splits template text into tokens: text between actions (already trimmed where <c>{{-</c> or <c>-}}</c> ask for it),
/// and the items inside <c>{{ }}</c>. Comments <c>{{/* */}}</c> vanish here, as in Go.
/// </summary>
internal sealed class GoTemplateLexer
{
    private static readonly HashSet<string> Keywords = ["if", "else", "end", "range", "with", "break", "continue", "define", "template", "block"];
    private readonly string _src;
    private readonly List<Token> _tokens = [];
    private int _pos;

    private GoTemplateLexer(string src) => _src = src;

    public static List<Token> Tokenize(string src)
    {
        var lexer = new GoTemplateLexer(src);
        lexer.Run();
        return lexer._tokens;
    }

    private GoTemplateException Error(int offset, string construct, string problem)
    {
        var (line, column) = Position(_src, offset);
        return new GoTemplateException(line, column, construct, problem);
    }

    /// <summary>1-based line and column of an offset.</summary>
    public static (int Line, int Column) Position(string src, int offset)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset && i < src.Length; i++)
            if (src[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        return (line, offset - lineStart + 1);
    }

    private void Run()
    {
        var trimNextText = false;
        while (_pos <= _src.Length)
        {
            var open = _src.IndexOf("{{", _pos, StringComparison.Ordinal);
            var textEnd = open < 0 ? _src.Length : open;
            var textStart = _pos;
            var leftTrim = open >= 0 && IsTrimMarker(open + 2, left: true);
            var text = _src.AsSpan(textStart, textEnd - textStart);
            if (trimNextText) text = text.TrimStart(" \t\r\n");
            if (leftTrim) text = text.TrimEnd(" \t\r\n");
            if (text.Length > 0) _tokens.Add(new Token(TokenKind.Text, text.ToString(), textStart));
            if (open < 0) break;

            _pos = open + 2;
            if (leftTrim) _pos += 2;
            // A comment fills the whole action.
            if (_src.AsSpan(_pos).StartsWith("/*"))
            {
                var close = _src.IndexOf("*/", _pos + 2, StringComparison.Ordinal);
                if (close < 0) throw Error(open, "{{/*", "unclosed comment");
                _pos = close + 2;
                trimNextText = false;
                if (IsTrimMarker(_pos, left: false))
                {
                    trimNextText = true;
                    _pos += 2;
                }
                if (!_src.AsSpan(_pos).StartsWith("}}")) throw Error(open, "{{/*", "comment ends before closing delimiter");
                _pos += 2;
                continue;
            }
            _tokens.Add(new Token(TokenKind.LeftDelim, "{{", open));
            trimNextText = LexAction(open);
        }
        _tokens.Add(new Token(TokenKind.Eof, "", _src.Length));
    }

    /// <summary>"{{- " (dash then space) trims to the left; " -}}" (space then dash) trims to the right. "{{-3}}" is the number -3.</summary>
    private bool IsTrimMarker(int at, bool left)
    {
        if (left) return at + 1 < _src.Length && _src[at] == '-' && IsSpace(_src[at + 1]);
        return at + 1 < _src.Length && IsSpace(_src[at]) && _src[at + 1] == '-' && _src.AsSpan(at + 2).StartsWith("}}");
    }

    /// <summary>Lexes the inside of one action up to and including "}}"; returns whether it ended with a right trim marker.</summary>
    private bool LexAction(int actionStart)
    {
        var parenDepth = 0;
        while (true)
        {
            if (_pos >= _src.Length) throw Error(actionStart, Snippet(actionStart), "unclosed action");
            var c = _src[_pos];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                if (IsTrimMarker(_pos, left: false))
                {
                    _tokens.Add(new Token(TokenKind.RightDelim, "}}", _pos + 2));
                    _pos += 4;
                    return true;
                }
                _pos++;
                continue;
            }
            if (_src.AsSpan(_pos).StartsWith("}}"))
            {
                if (parenDepth > 0) throw Error(_pos, Snippet(actionStart), "unclosed left paren");
                _tokens.Add(new Token(TokenKind.RightDelim, "}}", _pos));
                _pos += 2;
                return false;
            }
            var start = _pos;
            switch (c)
            {
                case '|':
                    _tokens.Add(new Token(TokenKind.Pipe, "|", _pos++));
                    continue;
                case '(':
                    parenDepth++;
                    _tokens.Add(new Token(TokenKind.LeftParen, "(", _pos++));
                    continue;
                case ')':
                    if (--parenDepth < 0) throw Error(_pos, ")", "unexpected right paren");
                    _tokens.Add(new Token(TokenKind.RightParen, ")", _pos++));
                    continue;
                case ',':
                    _tokens.Add(new Token(TokenKind.Comma, ",", _pos++));
                    continue;
                case '=':
                    _tokens.Add(new Token(TokenKind.Assign, "=", _pos++));
                    continue;
                case ':':
                    if (_pos + 1 < _src.Length && _src[_pos + 1] == '=')
                    {
                        _tokens.Add(new Token(TokenKind.Declare, ":=", _pos));
                        _pos += 2;
                        continue;
                    }
                    throw Error(_pos, ":", "expected :=");
                case '"':
                    _tokens.Add(new Token(TokenKind.String, ReadQuoted('"', actionStart), start, null));
                    _tokens[^1] = _tokens[^1] with { Value = _tokens[^1].Text, Text = _src[start.._pos] };
                    continue;
                case '`':
                    {
                        var close = _src.IndexOf('`', _pos + 1);
                        if (close < 0) throw Error(_pos, "`", "unterminated raw quoted string");
                        var raw = _src[(_pos + 1)..close].Replace("\r", "");
                        _pos = close + 1;
                        _tokens.Add(new Token(TokenKind.String, _src[start.._pos], start, raw));
                        continue;
                    }
                case '\'':
                    {
                        var decoded = ReadQuoted('\'', actionStart);
                        if (decoded.EnumerateRunes().Count() != 1) throw Error(start, _src[start.._pos], "malformed character constant");
                        _tokens.Add(new Token(TokenKind.Char, _src[start.._pos], start, (long)decoded.EnumerateRunes().First().Value));
                        continue;
                    }
                case '$':
                    _pos++;
                    while (_pos < _src.Length && IsAlphaNumeric(_src[_pos])) _pos++;
                    _tokens.Add(new Token(TokenKind.Variable, _src[start.._pos], start));
                    continue;
                case '.':
                    if (_pos + 1 < _src.Length && char.IsAsciiDigit(_src[_pos + 1])) break; // a number like .5
                    _pos++;
                    if (_pos < _src.Length && IsAlphaNumeric(_src[_pos]))
                    {
                        while (_pos < _src.Length && IsAlphaNumeric(_src[_pos])) _pos++;
                        _tokens.Add(new Token(TokenKind.Field, _src[start.._pos], start));
                    }
                    else _tokens.Add(new Token(TokenKind.Dot, ".", start));
                    continue;
            }
            if (char.IsAsciiDigit(c) || c is '+' or '-' or '.')
            {
                _tokens.Add(ReadNumber(actionStart));
                continue;
            }
            if (IsAlphaNumeric(c))
            {
                while (_pos < _src.Length && IsAlphaNumeric(_src[_pos])) _pos++;
                var word = _src[start.._pos];
                var kind = word switch
                {
                    "true" or "false" => TokenKind.Bool,
                    "nil" => TokenKind.Nil,
                    _ when Keywords.Contains(word) => TokenKind.Keyword,
                    _ => TokenKind.Identifier,
                };
                _tokens.Add(new Token(kind, word, start, kind == TokenKind.Bool ? word == "true" : null));
                continue;
            }
            throw Error(_pos, c.ToString(), $"unrecognized character in action: '{c}'");
        }
    }

    private string Snippet(int start)
    {
        var end = _src.IndexOf("}}", start, StringComparison.Ordinal);
        var text = end < 0 ? _src[start..] : _src[start..(end + 2)];
        return text.Length > 40 ? text[..40] + "…" : text;
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static bool IsAlphaNumeric(char c) => c == '_' || char.IsLetterOrDigit(c);

    private Token ReadNumber(int actionStart)
    {
        var start = _pos;
        if (_src[_pos] is '+' or '-') _pos++;
        var isHex = _src.AsSpan(_pos).StartsWith("0x") || _src.AsSpan(_pos).StartsWith("0X");
        if (isHex) _pos += 2;
        while (_pos < _src.Length && (char.IsAsciiLetterOrDigit(_src[_pos]) || _src[_pos] is '.' or '_'
               || (_src[_pos] is '+' or '-' && !isHex && _src[_pos - 1] is 'e' or 'E')))
            _pos++;
        var text = _src[start.._pos];
        var digits = text.Replace("_", "");
        if (isHex)
        {
            var negative = digits.StartsWith('-');
            var body = digits.TrimStart('+', '-')[2..];
            if (long.TryParse(body, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
                return new Token(TokenKind.Number, text, start, negative ? -hex : hex);
        }
        else if (long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            return new Token(TokenKind.Number, text, start, l);
        else if (double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && char.IsAsciiDigit(digits[^1]))
            return new Token(TokenKind.Number, text, start, d);
        throw Error(start, text, $"bad number syntax: \"{text}\"");
    }

    /// <summary>Reads a Go interpreted string or char literal starting at the opening quote; returns the decoded text.</summary>
    private string ReadQuoted(char quote, int actionStart)
    {
        var start = _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _src.Length || _src[_pos] == '\n')
                throw Error(start, _src[start..Math.Min(_pos, _src.Length)], quote == '"' ? "unterminated quoted string" : "unterminated character constant");
            var c = _src[_pos++];
            if (c == quote) return sb.ToString();
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            if (_pos >= _src.Length) continue;
            var e = _src[_pos++];
            switch (e)
            {
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case '\\': sb.Append('\\'); break;
                case '\'' when quote == '\'': sb.Append('\''); break;
                case '"' when quote == '"': sb.Append('"'); break;
                case 'x': sb.Append((char)HexDigits(2, start)); break;
                case 'u': sb.Append(char.ConvertFromUtf32(HexDigits(4, start))); break;
                case 'U': sb.Append(char.ConvertFromUtf32(HexDigits(8, start))); break;
                case >= '0' and <= '7':
                    if (_pos + 2 > _src.Length) throw Error(start, "\\" + e, "invalid octal escape");
                    sb.Append((char)Convert.ToInt32(_src.Substring(_pos - 1, 3), 8));
                    _pos += 2;
                    break;
                default: throw Error(_pos - 2, "\\" + e, $"unknown escape sequence \\{e}");
            }
        }
    }

    private int HexDigits(int count, int start)
    {
        if (_pos + count > _src.Length || !int.TryParse(_src.AsSpan(_pos, count), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v))
            throw Error(start, _src[start..Math.Min(_src.Length, _pos + count)], "invalid hex escape");
        _pos += count;
        return v;
    }
}
