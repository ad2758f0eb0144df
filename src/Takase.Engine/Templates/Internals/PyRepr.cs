using System.Globalization;
using System.Text;

namespace Takase.Engine.Templates.Internals;

/// <summary>Python's str() and repr() of template values, which is what {{ value }} prints.</summary>
internal static class PyRepr
{
    /// <summary>str(value): what jinja2 writes for {{ value }} (Undefined prints nothing).</summary>
    public static string Str(object? v) => v switch
    {
        string s => s,
        Markup m => m.Value,
        null => "None",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => Float(d),
        Undefined => "",
        _ => Repr(v),
    };

    /// <summary>repr(value): strings quoted Python-style, containers as Python literals.</summary>
    public static string Repr(object? v)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, v);
        return sb.ToString();
    }

    private static void AppendRepr(StringBuilder sb, object? v)
    {
        switch (v)
        {
            case string s:
                AppendQuoted(sb, s);
                break;
            case Markup m:
                sb.Append("Markup(");
                AppendQuoted(sb, m.Value);
                sb.Append(')');
                break;
            case PyTuple t:
                sb.Append('(');
                for (var i = 0; i < t.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    AppendRepr(sb, t[i]);
                }
                if (t.Count == 1) sb.Append(',');
                sb.Append(')');
                break;
            case IReadOnlyList<object?> list:
                sb.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    AppendRepr(sb, list[i]);
                }
                sb.Append(']');
                break;
            case IReadOnlyDictionary<string, object?> dict:
                sb.Append('{');
                var first = true;
                foreach (var (key, value) in new Mapping(dict).Pairs)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    AppendRepr(sb, key);
                    sb.Append(": ");
                    AppendRepr(sb, value);
                }
                sb.Append('}');
                break;
            case Namespace ns:
                sb.Append("<Namespace ");
                AppendRepr(sb, ns.Attributes);
                sb.Append('>');
                break;
            case Undefined:
                sb.Append("Undefined");
                break;
            case LoopContext loop:
                sb.Append("<LoopContext ").Append(loop.Index0 + 1).Append('/').Append(loop.Length).Append('>');
                break;
            case MacroValue macro:
                sb.Append("<Macro ").Append(Repr(macro.Name)).Append('>');
                break;
            case PyGenerator:
                sb.Append("<generator object at 0x7f0000000000>");
                break;
            case BoundMethod bm:
                sb.Append("<built-in method ").Append(bm.Name).Append(" of ").Append(Py.TypeName(bm.Target)).Append(" object>");
                break;
            case BuiltinFunction f:
                sb.Append("<function ").Append(f.Name).Append('>');
                break;
            case SliceValue s:
                sb.Append("slice(").Append(Repr(s.Start)).Append(", ").Append(Repr(s.Stop)).Append(", ").Append(Repr(s.Step)).Append(')');
                break;
            default:
                sb.Append(Str(v));
                break;
        }
    }

    /// <summary>Python's string repr: single quotes unless the text has ' and no ", escapes for the unprintable.</summary>
    public static void AppendQuoted(StringBuilder sb, string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        sb.Append(quote);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == quote || c == '\\') sb.Append('\\').Append(c);
            else if (c == '\n') sb.Append("\\n");
            else if (c == '\r') sb.Append("\\r");
            else if (c == '\t') sb.Append("\\t");
            else if (c < 0x20 || c == 0x7f) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            else if (c < 0x7f) sb.Append(c);
            else if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                var cp = char.ConvertToUtf32(c, s[i + 1]);
                if (IsPrintable(CharUnicodeInfo.GetUnicodeCategory(cp))) sb.Append(c).Append(s[i + 1]);
                else sb.Append("\\U").Append(cp.ToString("x8", CultureInfo.InvariantCulture));
                i++;
            }
            else if (IsPrintable(CharUnicodeInfo.GetUnicodeCategory(c)) && !char.IsSurrogate(c)) sb.Append(c);
            else if (c <= 0xff) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            else sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
        }
        sb.Append(quote);
    }

    // str.isprintable: everything except "Other" and "Separator" categories (the ASCII space is handled above).
    private static bool IsPrintable(UnicodeCategory cat) => cat is not (UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.SpaceSeparator);

    /// <summary>
    /// repr(float): the shortest digits that round-trip (as .NET's "R"), laid out the way Python does —
    /// fixed notation for exponents -4..15 with a mandatory ".0", otherwise d.ddde+XX.
    /// </summary>
    public static string Float(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";

        var r = d.ToString("R", CultureInfo.InvariantCulture);
        var negative = r[0] == '-';
        if (negative) r = r[1..];
        var exp = 0;
        var e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        var dot = r.IndexOf('.');
        var intPart = dot < 0 ? r : r[..dot];
        var frac = dot < 0 ? "" : r[(dot + 1)..];
        var digits = intPart + frac;
        var decpt = intPart.Length + exp; // position of the decimal point relative to digits[0]
        var lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits = digits[lead..];
        decpt -= lead;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";

        var sb = new StringBuilder();
        if (negative) sb.Append('-');
        if (decpt <= -4 || decpt > 16)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            var x = decpt - 1;
            sb.Append('e').Append(x < 0 ? '-' : '+').Append(Math.Abs(x).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (decpt <= 0)
        {
            sb.Append("0.").Append('0', -decpt).Append(digits);
        }
        else if (decpt >= digits.Length)
        {
            sb.Append(digits).Append('0', decpt - digits.Length).Append(".0");
        }
        else
        {
            sb.Append(digits, 0, decpt).Append('.').Append(digits, decpt, digits.Length - decpt);
        }
        return sb.ToString();
    }
}
