using System.Globalization;
using System.Text;

namespace Takase.Engine.Templates.Internals;

/// <summary>Python's two string-formatting languages: str.format / format specs, and printf-style <c>'%s' % x</c>.</summary>
internal static class PyFormat
{
    private static TemplateException Error(TemplateErrorKind kind, string message) => new(kind, message);

    // ---- str.format ----------------------------------------------------------------------------------------

    /// <summary>str.format(*args, **kwargs): {} / {0} / {name} fields with .attr / [key] lookups, !r/!s and format specs.</summary>
    public static string Format(RenderContext ctx, string fmt, in CallArgs args)
    {
        var sb = new StringBuilder(fmt.Length + 16);
        var auto = 0;
        var i = 0;
        while (i < fmt.Length)
        {
            var c = fmt[i];
            if (c == '}')
            {
                if (i + 1 < fmt.Length && fmt[i + 1] == '}')
                {
                    sb.Append('}');
                    i += 2;
                    continue;
                }
                throw Error(TemplateErrorKind.Value, "Single '}' encountered in format string");
            }
            if (c != '{')
            {
                sb.Append(c);
                i++;
                continue;
            }
            if (i + 1 < fmt.Length && fmt[i + 1] == '{')
            {
                sb.Append('{');
                i += 2;
                continue;
            }
            // Find the matching close brace (nested braces are allowed inside the spec).
            var depth = 1;
            var j = i + 1;
            while (j < fmt.Length && depth > 0)
            {
                if (fmt[j] == '{') depth++;
                else if (fmt[j] == '}') depth--;
                if (depth > 0) j++;
            }
            if (j >= fmt.Length) throw Error(TemplateErrorKind.Value, "Single '{' encountered in format string");
            var field = fmt[(i + 1)..j];
            i = j + 1;

            string? spec = null;
            char conversion = '\0';
            var colon = IndexOutsideBrackets(field, ':');
            if (colon >= 0)
            {
                spec = field[(colon + 1)..];
                field = field[..colon];
            }
            var bang = IndexOutsideBrackets(field, '!');
            if (bang >= 0)
            {
                if (bang + 2 != field.Length) throw Error(TemplateErrorKind.Value, "expected ':' after conversion specifier");
                conversion = field[bang + 1];
                field = field[..bang];
            }
            var value = ResolveField(ctx, field, args, ref auto);
            value = conversion switch
            {
                '\0' => value,
                's' => Py.Str(value),
                'r' or 'a' => PyRepr.Repr(value),
                _ => throw Error(TemplateErrorKind.Value, $"Unknown conversion specifier {conversion}"),
            };
            if (spec is not null && spec.Contains('{'))
                spec = Format(ctx, spec, args); // nested fields such as {:{width}}
            sb.Append(ApplySpec(value, spec ?? ""));
        }
        return sb.ToString();
    }

    private static int IndexOutsideBrackets(string s, char target)
    {
        var inBracket = false;
        for (var k = 0; k < s.Length; k++)
        {
            if (s[k] == '[') inBracket = true;
            else if (s[k] == ']') inBracket = false;
            else if (s[k] == target && !inBracket) return k;
        }
        return -1;
    }

    private static object? ResolveField(RenderContext ctx, string field, in CallArgs args, ref int auto)
    {
        var end = 0;
        while (end < field.Length && field[end] != '.' && field[end] != '[') end++;
        var head = field[..end];
        object? value;
        if (head.Length == 0 || head.All(char.IsAsciiDigit))
        {
            var index = head.Length == 0 ? auto++ : int.Parse(head, CultureInfo.InvariantCulture);
            if (index >= args.Positional.Length)
                throw Error(TemplateErrorKind.Index, $"Replacement index {index} out of range for positional args tuple");
            value = args.Positional[index];
        }
        else
        {
            value = args.Keyword(head);
            if (value is Missing) throw Error(TemplateErrorKind.Key, PyRepr.Repr(head));
        }
        var rest = field[end..];
        while (rest.Length > 0)
        {
            if (rest[0] == '.')
            {
                var k = 1;
                while (k < rest.Length && rest[k] != '.' && rest[k] != '[') k++;
                value = Py.GetAttr(ctx, value, rest[1..k]);
                rest = rest[k..];
            }
            else
            {
                var close = rest.IndexOf(']');
                if (close < 0) throw Error(TemplateErrorKind.Value, "Missing ']' in format string");
                var key = rest[1..close];
                value = Py.GetItem(ctx, value, key.All(char.IsAsciiDigit) && key.Length > 0 ? long.Parse(key, CultureInfo.InvariantCulture) : key);
                rest = rest[(close + 1)..];
            }
        }
        return value;
    }

    /// <summary>format(value, spec) for str, int, float and bool.</summary>
    public static string ApplySpec(object? value, string spec)
    {
        if (spec.Length == 0) return Py.Str(value);
        var p = ParseSpec(spec);
        if (Py.IsString(value, out var s))
        {
            if (p.Type is not ('\0' or 's')) throw Error(TemplateErrorKind.Value, $"Unknown format code '{p.Type}' for object of type 'str'");
            if (p.Precision >= 0 && PyText.Length(s) > p.Precision) s = s[..PyText.OffsetOf(s, p.Precision)];
            return Pad(s, p, '<');
        }
        if (value is long or bool && p.Type is '\0' or 'd' or 'n' or 'b' or 'o' or 'x' or 'X' or 'c')
        {
            Py.IsNumber(value, out var l, out _, out _);
            if (value is bool && p.Type == '\0') return Pad(Py.Str(value), p, '<');
            string digits = p.Type switch
            {
                'b' => Convert.ToString(Math.Abs(l), 2),
                'o' => Convert.ToString(Math.Abs(l), 8),
                'x' => Math.Abs(l).ToString("x", CultureInfo.InvariantCulture),
                'X' => Math.Abs(l).ToString("X", CultureInfo.InvariantCulture),
                'c' => char.ConvertFromUtf32((int)l),
                _ => Group(Math.Abs(l).ToString(CultureInfo.InvariantCulture), p.Grouping),
            };
            if (p.Alternate && p.Type is 'b' or 'o' or 'x' or 'X') digits = "0" + p.Type + digits;
            return PadNumber(l < 0, digits, p);
        }
        if (Py.IsNumber(value, out _, out var d, out _))
        {
            var negative = double.IsNegative(d) && !double.IsNaN(d);
            var a = Math.Abs(d);
            var precision = p.Precision;
            string digits;
            switch (p.Type)
            {
                case 'f' or 'F':
                    digits = FixedDigits(a, precision < 0 ? 6 : precision, p.Type == 'F');
                    break;
                case 'e' or 'E':
                    digits = Exponent(a, precision < 0 ? 6 : precision, p.Type == 'E');
                    break;
                case '%':
                    digits = FixedDigits(a * 100, precision < 0 ? 6 : precision, false) + "%";
                    break;
                case 'g' or 'G':
                    digits = General(a, precision < 0 ? 6 : precision, p.Type == 'G', p.Alternate);
                    break;
                case '\0':
                    digits = precision < 0 ? PyRepr.Float(a) : General(a, precision, false, true, keepPoint: true);
                    break;
                default:
                    throw Error(TemplateErrorKind.Value, $"Unknown format code '{p.Type}' for object of type 'float'");
            }
            if (p.Grouping != '\0' && char.IsAsciiDigit(digits[0]))
            {
                var dot = digits.IndexOfAny(['.', 'e', 'E', '%']);
                digits = dot < 0 ? Group(digits, p.Grouping) : Group(digits[..dot], p.Grouping) + digits[dot..];
            }
            return PadNumber(negative, digits, p);
        }
        if (value is Undefined u) throw u.Fail();
        throw Error(TemplateErrorKind.Type, $"unsupported format string passed to {Py.TypeName(value)}.__format__");
    }

    private record struct Spec(char Fill, char Align, char Sign, bool Alternate, bool Zero, int Width, char Grouping, int Precision, char Type);

    private static Spec ParseSpec(string spec)
    {
        var p = new Spec(' ', '\0', '-', false, false, -1, '\0', -1, '\0');
        var i = 0;
        if (spec.Length >= 2 && spec[1] is '<' or '>' or '^' or '=')
        {
            p.Fill = spec[0];
            p.Align = spec[1];
            i = 2;
        }
        else if (spec.Length >= 1 && spec[0] is '<' or '>' or '^' or '=')
        {
            p.Align = spec[0];
            i = 1;
        }
        if (i < spec.Length && spec[i] is '+' or '-' or ' ') p.Sign = spec[i++];
        if (i < spec.Length && spec[i] == '#')
        {
            p.Alternate = true;
            i++;
        }
        if (i < spec.Length && spec[i] == '0')
        {
            p.Zero = true;
            i++;
        }
        var start = i;
        while (i < spec.Length && char.IsAsciiDigit(spec[i])) i++;
        if (i > start) p.Width = int.Parse(spec[start..i], CultureInfo.InvariantCulture);
        if (i < spec.Length && spec[i] is ',' or '_') p.Grouping = spec[i++];
        if (i < spec.Length && spec[i] == '.')
        {
            start = ++i;
            while (i < spec.Length && char.IsAsciiDigit(spec[i])) i++;
            if (i == start) throw Error(TemplateErrorKind.Value, "Format specifier missing precision");
            p.Precision = int.Parse(spec[start..i], CultureInfo.InvariantCulture);
        }
        if (i < spec.Length) p.Type = spec[i++];
        if (i != spec.Length) throw Error(TemplateErrorKind.Value, "Invalid format specifier");
        if (p.Zero && p.Align == '\0')
        {
            p.Fill = '0';
            p.Align = '=';
        }
        return p;
    }

    private static string Pad(string s, Spec p, char defaultAlign)
    {
        var len = PyText.Length(s);
        if (p.Width <= len) return s;
        var pad = p.Width - len;
        return (p.Align == '\0' ? defaultAlign : p.Align) switch
        {
            '<' => s + new string(p.Fill, pad),
            '^' => new string(p.Fill, pad / 2) + s + new string(p.Fill, pad - pad / 2),
            _ => new string(p.Fill, pad) + s,
        };
    }

    private static string PadNumber(bool negative, string digits, Spec p)
    {
        var sign = negative ? "-" : p.Sign switch { '+' => "+", ' ' => " ", _ => "" };
        if (p.Align == '=')
        {
            var pad = p.Width - sign.Length - digits.Length;
            return pad > 0 ? sign + new string(p.Fill, pad) + digits : sign + digits;
        }
        return Pad(sign + digits, p, '>');
    }

    private static string Group(string digits, char sep)
    {
        if (sep == '\0' || digits.Length <= 3) return digits;
        var sb = new StringBuilder();
        var first = digits.Length % 3;
        if (first > 0) sb.Append(digits, 0, first);
        for (var k = first; k < digits.Length; k += 3)
        {
            if (sb.Length > 0) sb.Append(sep);
            sb.Append(digits, k, 3);
        }
        return sb.ToString();
    }

    private static string FixedDigits(double a, int precision, bool upper)
    {
        if (double.IsNaN(a)) return upper ? "NAN" : "nan";
        if (double.IsInfinity(a)) return upper ? "INF" : "inf";
        return a.ToString("F" + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static string Exponent(double a, int precision, bool upper)
    {
        if (double.IsNaN(a)) return upper ? "NAN" : "nan";
        if (double.IsInfinity(a)) return upper ? "INF" : "inf";
        var s = a.ToString((upper ? "E" : "e") + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        // .NET writes three exponent digits (e+000); Python at least two.
        var e = s.IndexOfAny(['e', 'E']);
        var exp = int.Parse(s[(e + 2)..], CultureInfo.InvariantCulture);
        return s[..(e + 2)] + exp.ToString("00", CultureInfo.InvariantCulture);
    }

    private static string General(double a, int precision, bool upper, bool alternate, bool keepPoint = false)
    {
        if (double.IsNaN(a)) return upper ? "NAN" : "nan";
        if (double.IsInfinity(a)) return upper ? "INF" : "inf";
        if (precision == 0) precision = 1;
        var exp = a == 0 ? 0 : int.Parse(Exponent(a, precision - 1, false).Split('e')[1], CultureInfo.InvariantCulture);
        string s;
        if (exp >= -4 && exp < precision)
        {
            s = FixedDigits(a, precision - 1 - exp, upper);
            if (!alternate && s.Contains('.')) s = s.TrimEnd('0').TrimEnd('.');
            if (keepPoint && !s.Contains('.')) s += ".0";
        }
        else
        {
            s = Exponent(a, precision - 1, upper);
            if (!alternate)
            {
                var e = s.IndexOfAny(['e', 'E']);
                var mantissa = s[..e];
                if (mantissa.Contains('.')) mantissa = mantissa.TrimEnd('0').TrimEnd('.');
                s = mantissa + s[e..];
            }
        }
        return s;
    }

    // ---- printf-style -------------------------------------------------------------------------------------

    /// <summary>fmt % values: %s %r %d %i %f %e %g %x %o %c %% with flags, width and precision.</summary>
    public static string Percent(string fmt, object? values)
    {
        IReadOnlyList<object?> args = values is PyTuple t ? t : [values];
        Mapping? mapping = values is IReadOnlyDictionary<string, object?> dict ? new Mapping(dict) : null;
        // CPython treats any non-tuple, non-str argument with __getitem__ as a mapping: no "not all converted" check.
        var mappingLike = mapping is not null || Py.IsList(values);
        var sb = new StringBuilder();
        var next = 0;
        var usedMapping = false;
        for (var i = 0; i < fmt.Length; i++)
        {
            if (fmt[i] != '%')
            {
                sb.Append(fmt[i]);
                continue;
            }
            if (++i >= fmt.Length) throw Error(TemplateErrorKind.Value, "incomplete format");
            object? arg = Missing.Value;
            if (fmt[i] == '(')
            {
                var close = fmt.IndexOf(')', i);
                if (mapping is null) throw Error(TemplateErrorKind.Type, "format requires a mapping");
                var key = fmt[(i + 1)..close];
                if (!mapping.Value.TryGetValue(key, out arg)) throw Error(TemplateErrorKind.Key, PyRepr.Repr(key));
                usedMapping = true;
                i = close + 1;
            }
            var flags = "";
            while (i < fmt.Length && fmt[i] is '-' or '+' or ' ' or '#' or '0') flags += fmt[i++];
            var width = -1;
            var start = i;
            while (i < fmt.Length && char.IsAsciiDigit(fmt[i])) i++;
            if (i > start) width = int.Parse(fmt[start..i], CultureInfo.InvariantCulture);
            var precision = -1;
            if (i < fmt.Length && fmt[i] == '.')
            {
                start = ++i;
                while (i < fmt.Length && char.IsAsciiDigit(fmt[i])) i++;
                precision = i > start ? int.Parse(fmt[start..i], CultureInfo.InvariantCulture) : 0;
            }
            if (i >= fmt.Length) throw Error(TemplateErrorKind.Value, "incomplete format");
            var type = fmt[i];
            if (type == '%')
            {
                sb.Append('%');
                continue;
            }
            if (arg is Missing)
            {
                if (next >= args.Count) throw Error(TemplateErrorKind.Type, "not enough arguments for format string");
                arg = args[next++];
            }
            var spec = new StringBuilder();
            if (flags.Contains('-')) spec.Append('<');
            else if (type is 's' or 'r' or 'a') spec.Append('>'); // printf right-aligns text too
            if (flags.Contains('+')) spec.Append('+');
            else if (flags.Contains(' ')) spec.Append(' ');
            if (flags.Contains('#')) spec.Append('#');
            if (flags.Contains('0') && !flags.Contains('-')) spec.Append('0');
            if (width >= 0) spec.Append(width);
            if (precision >= 0 && type is not ('d' or 'i')) spec.Append('.').Append(precision);
            string piece = type switch
            {
                's' => ApplySpec(Py.Str(arg), spec.ToString()),
                'r' or 'a' => ApplySpec(PyRepr.Repr(arg), spec.ToString()),
                'd' or 'i' or 'u' => ApplySpec(ToInteger(arg), spec.ToString()),
                'x' or 'X' or 'o' => ApplySpec(ToInteger(arg), spec.Append(type).ToString()),
                'c' => arg is string ch ? ch : char.ConvertFromUtf32((int)ToInteger(arg)),
                'f' or 'F' or 'e' or 'E' or 'g' or 'G' => ApplySpec(ToDouble(arg), spec.Append(type).ToString()),
                _ => throw Error(TemplateErrorKind.Value, $"unsupported format character '{type}' (0x{(int)type:x})"),
            };
            sb.Append(piece);
        }
        if (!usedMapping && next < args.Count && !mappingLike)
            throw Error(TemplateErrorKind.Type, "not all arguments converted during string formatting");
        return sb.ToString();
    }

    private static long ToInteger(object? v)
    {
        if (Py.IsNumber(v, out var l, out var d, out var integral)) return integral ? l : (long)Math.Truncate(d);
        throw Error(TemplateErrorKind.Type, $"%d format: a real number is required, not {Py.TypeName(v)}");
    }

    private static double ToDouble(object? v)
    {
        if (Py.IsNumber(v, out _, out var d, out _)) return d;
        throw Error(TemplateErrorKind.Type, $"must be real number, not {Py.TypeName(v)}");
    }
}
