using System.Globalization;
using System.Text;

namespace Takase.Engine.Templates.Internals;

internal enum TokenKind { Data, VariableBegin, VariableEnd, BlockBegin, BlockEnd, Name, String, Integer, Float, Operator, Eof }

internal readonly record struct Token(TokenKind Kind, string Text, object? Value, int Line)
{
    public bool IsName(string name) => Kind == TokenKind.Name && Text == name;
    public bool IsOp(string op) => Kind == TokenKind.Operator && Text == op;

    public string Describe() => Kind switch
    {
        TokenKind.Eof => "end of template",
        TokenKind.BlockEnd => "end of statement block",
        TokenKind.VariableEnd => "end of print statement",
        TokenKind.BlockBegin => "begin of statement block",
        TokenKind.VariableBegin => "begin of print statement",
        TokenKind.Data => "template data / text",
        _ => Text,
    };
}

/// <summary>
/// Splits template source into tokens exactly as jinja2's lexer does with HF's settings (trim_blocks=True,
/// lstrip_blocks=True, keep_trailing_newline=False): "-" strips whitespace beside a tag, "+" keeps it, a block or
/// comment tag alone on a line takes its indentation and its newline with it, print tags never trim.
/// </summary>
internal sealed class Lexer
{
    private static readonly string[] Operators =
        ["//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"];

    private readonly string _src;
    private readonly List<Token> _tokens = [];
    private readonly int[] _lineStarts;
    private int _pos;
    private bool _lineStarting = true;

    private Lexer(string source)
    {
        // jinja2 normalises \r\n and \r to \n and drops one trailing newline.
        var s = source.Replace("\r\n", "\n").Replace('\r', '\n');
        if (s.EndsWith('\n')) s = s[..^1];
        _src = s;
        var starts = new List<int> { 0 };
        for (var i = 0; i < s.Length; i++)
            if (s[i] == '\n') starts.Add(i + 1);
        _lineStarts = [.. starts];
    }

    public static List<Token> Tokenize(string source)
    {
        var lexer = new Lexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    private int LineAt(int pos)
    {
        var i = Array.BinarySearch(_lineStarts, pos);
        return (i >= 0 ? i : ~i - 1) + 1;
    }

    private TemplateException Fail(string message, int pos) =>
        new(TemplateErrorKind.Syntax, message, LineAt(pos));

    private void Run()
    {
        while (_pos < _src.Length)
        {
            var open = FindOpening(_pos);
            if (open < 0)
            {
                Emit(TokenKind.Data, _src[_pos..], _pos);
                break;
            }
            var kind = _src[open + 1];
            var afterOpen = open + 2;
            var sign = afterOpen < _src.Length && _src[afterOpen] is '-' or '+' ? _src[afterOpen] : '\0';
            if (sign != '\0') afterOpen++;
            var rawEnd = kind == '%' ? MatchRawBegin(afterOpen) : -1;

            var text = _src[_pos..open];
            if (sign == '-') text = TrimEndSpaces(text);
            else if (sign != '+' && kind != '{') text = LStripBlock(text);
            if (text.Length > 0) Emit(TokenKind.Data, text, _pos);

            if (rawEnd >= 0)
            {
                _pos = rawEnd;
                _lineStarting = _src[rawEnd - 1] == '\n';
                LexRaw(open);
                continue;
            }
            _pos = afterOpen;
            _lineStarting = false;
            switch (kind)
            {
                case '#':
                    LexComment(open);
                    break;
                case '{':
                    _tokens.Add(new Token(TokenKind.VariableBegin, "{{", null, LineAt(open)));
                    LexTag(isBlock: false, open);
                    break;
                default:
                    _tokens.Add(new Token(TokenKind.BlockBegin, "{%", null, LineAt(open)));
                    LexTag(isBlock: true, open);
                    break;
            }
        }
        _tokens.Add(new Token(TokenKind.Eof, "", null, LineAt(_src.Length)));
    }

    private static string TrimEndSpaces(string s)
    {
        var end = s.Length;
        while (end > 0 && PyText.IsSpace(s[end - 1])) end--;
        return end == s.Length ? s : s[..end];
    }

    private void Emit(TokenKind kind, string text, int pos) => _tokens.Add(new Token(kind, text, text, LineAt(pos)));

    private int FindOpening(int from)
    {
        for (var i = _src.IndexOf('{', from); i >= 0 && i + 1 < _src.Length; i = _src.IndexOf('{', i + 1))
            if (_src[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    /// <summary>lstrip_blocks: drop spaces/tabs between the start of the line and a block or comment tag.</summary>
    private string LStripBlock(string text)
    {
        var lpos = text.LastIndexOf('\n') + 1;
        if (lpos == 0 && !_lineStarting) return text;
        if (lpos == text.Length) return text;
        for (var i = lpos; i < text.Length; i++)
            if (!PyText.IsSpace(text[i])) return text;
        return text[..lpos];
    }

    /// <summary>If "{%" at the cursor opens a raw block (\s*raw\s*(-%}\s*|%})), returns the index after it.</summary>
    private int MatchRawBegin(int p)
    {
        while (p < _src.Length && PyText.IsSpace(_src[p])) p++;
        if (string.CompareOrdinal(_src, p, "raw", 0, 3) != 0) return -1;
        p += 3;
        while (p < _src.Length && PyText.IsSpace(_src[p])) p++;
        if (string.CompareOrdinal(_src, p, "-%}", 0, 3) == 0)
        {
            p += 3;
            while (p < _src.Length && PyText.IsSpace(_src[p])) p++;
            return p;
        }
        return string.CompareOrdinal(_src, p, "%}", 0, 2) == 0 ? p + 2 : -1;
    }

    private void LexRaw(int open)
    {
        for (var i = _src.IndexOf("{%", _pos, StringComparison.Ordinal); i >= 0; i = _src.IndexOf("{%", i + 1, StringComparison.Ordinal))
        {
            var p = i + 2;
            var sign = p < _src.Length && _src[p] is '-' or '+' ? _src[p] : '\0';
            if (sign != '\0') p++;
            while (p < _src.Length && PyText.IsSpace(_src[p])) p++;
            if (string.CompareOrdinal(_src, p, "endraw", 0, 6) != 0) continue;
            p += 6;
            while (p < _src.Length && PyText.IsSpace(_src[p])) p++;
            var end = MatchTagEnd(p, '%', trim: true);
            if (end < 0) continue;
            var text = _src[_pos..i];
            if (sign == '-') text = TrimEndSpaces(text);
            else if (sign != '+') text = LStripBlock(text);
            if (text.Length > 0) Emit(TokenKind.Data, text, _pos);
            _pos = end;
            _lineStarting = _src[end - 1] == '\n';
            return;
        }
        throw Fail("Missing end of raw directive", open);
    }

    private void LexComment(int open)
    {
        for (var i = _src.IndexOf("#}", _pos, StringComparison.Ordinal); i >= 0; i = _src.IndexOf("#}", i + 1, StringComparison.Ordinal))
        {
            var start = i > _pos && _src[i - 1] is '-' or '+' ? i - 1 : i;
            var end = MatchTagEnd(start, '#', trim: true);
            if (end < 0) continue;
            _pos = end;
            _lineStarting = _src[end - 1] == '\n';
            return;
        }
        throw Fail("Missing end of comment tag", open);
    }

    /// <summary>Matches a tag end at p: "+X}" keeps whitespace, "-X}" eats all following whitespace, "X}" eats one newline (trim_blocks).</summary>
    private int MatchTagEnd(int p, char marker, bool trim)
    {
        if (p < _src.Length && (_src[p] == '+' || _src[p] == '-'))
        {
            if (p + 2 < _src.Length && _src[p + 1] == marker && _src[p + 2] == '}')
            {
                var end = p + 3;
                if (_src[p] == '-')
                    while (end < _src.Length && PyText.IsSpace(_src[end])) end++;
                return end;
            }
            return -1;
        }
        if (p + 1 < _src.Length && _src[p] == marker && _src[p + 1] == '}')
        {
            var end = p + 2;
            if (trim && end < _src.Length && _src[end] == '\n') end++;
            return end;
        }
        return -1;
    }

    private void LexTag(bool isBlock, int open)
    {
        var balance = new Stack<char>();
        while (true)
        {
            if (_pos >= _src.Length)
                throw Fail(isBlock ? "unexpected end of template, expected end of statement block" : "unexpected end of template, expected end of print statement", open);
            if (balance.Count == 0)
            {
                var end = isBlock ? MatchTagEnd(_pos, '%', trim: true) : MatchVariableEnd(_pos);
                if (end >= 0)
                {
                    _tokens.Add(new Token(isBlock ? TokenKind.BlockEnd : TokenKind.VariableEnd, isBlock ? "%}" : "}}", null, LineAt(_pos)));
                    _pos = end;
                    _lineStarting = _src[end - 1] == '\n';
                    return;
                }
            }
            var c = _src[_pos];
            if (PyText.IsSpace(c))
            {
                _pos++;
                continue;
            }
            var start = _pos;
            if (TryNumber(out var numberToken))
            {
                _tokens.Add(numberToken);
                continue;
            }
            if (c == '_' || char.IsLetter(c))
            {
                var p = _pos + 1;
                while (p < _src.Length && (_src[p] == '_' || char.IsLetterOrDigit(_src[p]))) p++;
                var name = _src[_pos..p];
                _tokens.Add(new Token(TokenKind.Name, name, name, LineAt(_pos)));
                _pos = p;
                continue;
            }
            if (c is '\'' or '"')
            {
                _tokens.Add(LexString(c));
                continue;
            }
            var op = MatchOperator(_pos);
            if (op is null) throw Fail($"unexpected char {PyRepr.Repr(c.ToString())} at {_pos}", _pos);
            switch (op)
            {
                case "{":
                    balance.Push('}');
                    break;
                case "(":
                    balance.Push(')');
                    break;
                case "[":
                    balance.Push(']');
                    break;
                case "}" or ")" or "]":
                    if (balance.Count == 0) throw Fail($"unexpected '{op}'", _pos);
                    var expected = balance.Pop();
                    if (expected != op[0]) throw Fail($"unexpected '{op}', expected '{expected}'", _pos);
                    break;
            }
            _tokens.Add(new Token(TokenKind.Operator, op, op, LineAt(start)));
            _pos += op.Length;
        }
    }

    private string? MatchOperator(int p)
    {
        foreach (var o in Operators)
            if (string.CompareOrdinal(_src, p, o, 0, o.Length) == 0) return o;
        return null;
    }

    private int MatchVariableEnd(int p)
    {
        if (p + 2 < _src.Length && _src[p] == '-' && _src[p + 1] == '}' && _src[p + 2] == '}')
        {
            var end = p + 3;
            while (end < _src.Length && PyText.IsSpace(_src[end])) end++;
            return end;
        }
        return p + 1 < _src.Length && _src[p] == '}' && _src[p + 1] == '}' ? p + 2 : -1;
    }

    private int Digits(int p, Func<char, bool> isDigit)
    {
        // (\d+_)*\d+ : digits separated by single underscores
        if (p >= _src.Length || !isDigit(_src[p])) return -1;
        while (true)
        {
            while (p < _src.Length && isDigit(_src[p])) p++;
            if (p + 1 < _src.Length && _src[p] == '_' && isDigit(_src[p + 1])) p++;
            else return p;
        }
    }

    private bool TryNumber(out Token token)
    {
        token = default;
        var p = _pos;
        if (!char.IsAsciiDigit(_src[p])) return false;
        if (p > 0 && _src[p - 1] == '.')
        {
            // jinja2's float rule refuses to start after a dot (foo.0.1 is item 0 then item 1).
            return TryInteger(out token);
        }
        var intEnd = Digits(p, char.IsAsciiDigit);
        var q = intEnd;
        var isFloat = false;
        if (q < _src.Length && _src[q] == '.')
        {
            var fracEnd = Digits(q + 1, char.IsAsciiDigit);
            if (fracEnd > 0)
            {
                q = fracEnd;
                isFloat = true;
            }
        }
        if (q < _src.Length && _src[q] is 'e' or 'E')
        {
            var r = q + 1;
            if (r < _src.Length && _src[r] is '+' or '-') r++;
            var expEnd = Digits(r, char.IsAsciiDigit);
            if (expEnd > 0)
            {
                q = expEnd;
                isFloat = true;
            }
        }
        if (!isFloat) return TryInteger(out token);
        var text = _src[_pos..q];
        token = new Token(TokenKind.Float, text,
            double.Parse(text.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture), LineAt(_pos));
        _pos = q;
        return true;
    }

    private bool TryInteger(out Token token)
    {
        token = default;
        var p = _pos;
        long value;
        int end;
        if (_src[p] == '0' && p + 1 < _src.Length && char.ToLowerInvariant(_src[p + 1]) is 'b' or 'o' or 'x')
        {
            var radix = char.ToLowerInvariant(_src[p + 1]) switch { 'b' => 2, 'o' => 8, _ => 16 };
            Func<char, bool> isDigit = radix switch { 2 => c => c is '0' or '1', 8 => c => c is >= '0' and <= '7', _ => char.IsAsciiHexDigit };
            end = p + 2;
            var any = false;
            while (end < _src.Length && (isDigit(_src[end]) || (_src[end] == '_' && end + 1 < _src.Length && isDigit(_src[end + 1]))))
            {
                end++;
                any = true;
            }
            if (!any) return IntegerLiteral(p, p + 1, out token);
            value = Convert.ToInt64(_src[(p + 2)..end].Replace("_", ""), radix);
            token = new Token(TokenKind.Integer, _src[p..end], value, LineAt(p));
            _pos = end;
            return true;
        }
        if (_src[p] == '0')
        {
            // 0(_?0)*
            end = p + 1;
            while (end < _src.Length && (_src[end] == '0' || (_src[end] == '_' && end + 1 < _src.Length && _src[end + 1] == '0'))) end++;
            return IntegerLiteral(p, end, out token);
        }
        end = Digits(p, char.IsAsciiDigit);
        return IntegerLiteral(p, end, out token);
    }

    private bool IntegerLiteral(int start, int end, out Token token)
    {
        var text = _src[start..end];
        if (!long.TryParse(text.Replace("_", ""), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw new TemplateException(TemplateErrorKind.Overflow, $"integer literal {text} is too large", LineAt(start));
        token = new Token(TokenKind.Integer, text, value, LineAt(start));
        _pos = end;
        return true;
    }

    /// <summary>A quoted literal, unescaped like Python's unicode-escape codec (\n, \xNN, \uNNNN, \N{...} is not supported).</summary>
    private Token LexString(char quote)
    {
        var start = _pos;
        var p = _pos + 1;
        while (p < _src.Length && _src[p] != quote)
            p += _src[p] == '\\' && p + 1 < _src.Length ? 2 : 1;
        if (p >= _src.Length) throw Fail($"unexpected char {PyRepr.Repr(quote.ToString())} at {start}", start);
        var raw = _src[(start + 1)..p];
        _pos = p + 1;
        return new Token(TokenKind.String, raw, Unescape(raw, start), LineAt(start));
    }

    private string Unescape(string raw, int pos)
    {
        if (!raw.Contains('\\')) return raw;
        var sb = new StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c != '\\' || i + 1 >= raw.Length)
            {
                sb.Append(c);
                continue;
            }
            var e = raw[++i];
            switch (e)
            {
                case '\n': break; // line continuation
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case 'x':
                    sb.Append((char)HexEscape(raw, ref i, 2, pos));
                    break;
                case 'u':
                    sb.Append((char)HexEscape(raw, ref i, 4, pos));
                    break;
                case 'U':
                    sb.Append(char.ConvertFromUtf32(HexEscape(raw, ref i, 8, pos)));
                    break;
                case >= '0' and <= '7':
                    var v = e - '0';
                    for (var k = 0; k < 2 && i + 1 < raw.Length && raw[i + 1] is >= '0' and <= '7'; k++) v = v * 8 + (raw[++i] - '0');
                    sb.Append((char)v);
                    break;
                case 'N':
                    throw new TemplateException(TemplateErrorKind.Unsupported,
                        $"\\N{{...}} escapes in string literals are not supported", LineAt(pos));
                default:
                    sb.Append('\\').Append(e); // Python keeps unknown escapes as written
                    break;
            }
        }
        return sb.ToString();
    }

    private int HexEscape(string raw, ref int i, int digits, int pos)
    {
        if (raw.Length - i - 1 < digits || !raw.AsSpan(i + 1, digits).ContainsOnlyHex())
            throw Fail($"truncated \\{raw[i]} escape in string literal", pos);
        var value = int.Parse(raw.AsSpan(i + 1, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        i += digits;
        return value;
    }
}

internal static class SpanHexExtensions
{
    public static bool ContainsOnlyHex(this ReadOnlySpan<char> span)
    {
        foreach (var c in span)
            if (!char.IsAsciiHexDigit(c)) return false;
        return true;
    }
}
