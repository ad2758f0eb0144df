using System.Globalization;
using System.Text;

namespace Takase.Library.GoTemplates;

/// <summary>
/// Text exactly as Go's <c>encoding/json</c> Marshal writes it, so what Ollama stores (the params layer) and what its
/// templates print (the <c>json</c> function, tools, tool-call arguments) come out byte for byte the same here.
/// </summary>
public static class GoJson
{
    private const string Hex = "0123456789abcdef";

    /// <summary>
    /// Appends <paramref name="s"/> as a JSON string literal. Like json.Marshal: &lt; &gt; &amp; become \u003c \u003e \u0026
    /// when <paramref name="escapeHtml"/> (Marshal always does), U+2028/U+2029 are escaped, lone surrogates become U+FFFD.
    /// </summary>
    public static void AppendString(StringBuilder sb, string s, bool escapeHtml = true)
    {
        sb.Append('"');
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            string? escape = null;
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                {
                    i++;
                    continue;
                }
                escape = "\\ufffd";
            }
            else if (c < 0x20 || c == '"' || c == '\\' || c == '\u2028' || c == '\u2029' || (escapeHtml && (c == '<' || c == '>' || c == '&')))
            {
                escape = c switch
                {
                    '"' => "\\\"",
                    '\\' => "\\\\",
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    '\b' => "\\b",
                    '\f' => "\\f",
                    _ => null,
                };
                if (escape is null)
                {
                    sb.Append(s, start, i - start).Append("\\u").Append(Hex[c >> 12]).Append(Hex[(c >> 8) & 0xF]).Append(Hex[(c >> 4) & 0xF]).Append(Hex[c & 0xF]);
                    start = i + 1;
                    continue;
                }
            }
            if (escape is null) continue;
            sb.Append(s, start, i - start).Append(escape);
            start = i + 1;
        }
        sb.Append(s, start, s.Length - start).Append('"');
    }

    /// <summary>A JSON string literal for <paramref name="s"/> (see <see cref="AppendString"/>).</summary>
    public static string Quote(string s, bool escapeHtml = true)
    {
        var sb = new StringBuilder(s.Length + 2);
        AppendString(sb, s, escapeHtml);
        return sb.ToString();
    }

    /// <summary>A float32 as json.Marshal writes it: shortest digits, plain notation between 1e-6 and 1e21, else "1e-7" style.</summary>
    public static string FormatFloat32(float value)
    {
        if (!float.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "JSON has no NaN or infinity (Go's json.Marshal refuses them too).");
        var abs = MathF.Abs(value);
        var exponential = abs != 0 && (abs < 1e-6f || abs >= 1e21f);
        return Format(value.ToString("R", CultureInfo.InvariantCulture), exponential);
    }

    /// <summary>A float64 as json.Marshal writes it (the same rules as <see cref="FormatFloat32"/> at double precision).</summary>
    public static string FormatFloat64(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "JSON has no NaN or infinity (Go's json.Marshal refuses them too).");
        var abs = Math.Abs(value);
        var exponential = abs != 0 && (abs < 1e-6 || abs >= 1e21);
        return Format(value.ToString("R", CultureInfo.InvariantCulture), exponential);
    }

    private static string Format(string roundTrip, bool exponential)
    {
        var (negative, digits, pointPosition) = GoFloatDigits.Decompose(roundTrip);
        var text = exponential ? GoFloatDigits.Exponential(digits, pointPosition, minExponentDigits: 1) : GoFloatDigits.Plain(digits, pointPosition);
        return negative ? "-" + text : text;
    }
}

/// <summary>Shortest decimal digits of a float and the two notations Go's strconv writes them in.</summary>
internal static class GoFloatDigits
{
    /// <summary>Splits .NET's shortest round-trip text ("1.5E-07") into sign, significant digits ("15") and point position (-6: 0.[000000]15).</summary>
    public static (bool Negative, string Digits, int PointPosition) Decompose(string roundTrip)
    {
        var s = roundTrip;
        var negative = s.StartsWith('-');
        if (negative) s = s[1..];
        var exponent = 0;
        var e = s.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(s.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            s = s[..e];
        }
        var dot = s.IndexOf('.');
        var intPart = dot >= 0 ? s[..dot] : s;
        var digits = dot >= 0 ? intPart + s[(dot + 1)..] : s;
        var point = intPart.Length + exponent;
        // Strip leading zeros (moving the point) and trailing zeros.
        var lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits = digits[lead..];
        point -= lead;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) return (negative, "0", 1);
        return (negative, digits, point);
    }

    /// <summary>%f with the shortest digits: "0.0007", "123", "1.5".</summary>
    public static string Plain(string digits, int point)
    {
        if (digits == "0") return "0";
        if (point <= 0) return "0." + new string('0', -point) + digits;
        if (point >= digits.Length) return digits + new string('0', point - digits.Length);
        return digits[..point] + "." + digits[point..];
    }

    /// <summary>%e with the shortest digits: "1.5e+21", "1e-07" (JSON then drops the exponent's leading zero: minExponentDigits 1).</summary>
    public static string Exponential(string digits, int point, int minExponentDigits)
    {
        var exp = digits == "0" ? 0 : point - 1;
        var sb = new StringBuilder();
        sb.Append(digits[0]);
        if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
        sb.Append('e').Append(exp < 0 ? '-' : '+');
        var expDigits = Math.Abs(exp).ToString(CultureInfo.InvariantCulture);
        if (expDigits.Length < minExponentDigits) sb.Append('0', minExponentDigits - expDigits.Length);
        sb.Append(expDigits);
        return sb.ToString();
    }
}
