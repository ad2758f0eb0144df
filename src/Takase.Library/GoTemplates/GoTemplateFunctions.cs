using System.Globalization;
using System.Text;

namespace Takase.Library.GoTemplates;

/// <summary>
/// The functions Ollama's templates can call: Go's built-ins (and, or, not, eq, ne, lt, le, gt, ge, len, index, slice,
/// print, printf, println) and Ollama's <c>json</c> (json.Marshal, which escapes &lt; &gt; &amp;).
/// and/or are evaluated lazily by the executor; the rest receive evaluated arguments.
/// </summary>
internal static class GoTemplateFunctions
{
    private static readonly HashSet<string> Defined = ["and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len", "index", "slice", "print", "printf", "println", "json"];
    private static readonly HashSet<string> Unsupported = ["html", "js", "urlquery", "call"];

    public static bool IsDefined(string name) => Defined.Contains(name);

    public static bool IsGoBuiltinWeLack(string name) => Unsupported.Contains(name);

    /// <summary>Calls a non-lazy function; <paramref name="fail"/> builds the positioned error for a message.</summary>
    public static object? Call(string name, IReadOnlyList<object?> args, Func<string, Exception> fail)
    {
        switch (name)
        {
            case "not":
                Arity(name, args, 1, fail);
                return !GoValue.IsTrue(args[0]);
            case "eq":
                if (args.Count < 2) throw fail("wrong number of args for eq: want at least 2 got " + args.Count);
                for (var i = 1; i < args.Count; i++)
                    if (Equal(args[0], args[i], fail)) return true;
                return false;
            case "ne":
                Arity(name, args, 2, fail);
                return !Equal(args[0], args[1], fail);
            case "lt": Arity(name, args, 2, fail); return Compare(args[0], args[1], fail) < 0;
            case "le": Arity(name, args, 2, fail); return Compare(args[0], args[1], fail) <= 0;
            case "gt": Arity(name, args, 2, fail); return Compare(args[0], args[1], fail) > 0;
            case "ge": Arity(name, args, 2, fail); return Compare(args[0], args[1], fail) >= 0;
            case "len":
                Arity(name, args, 1, fail);
                return Length(args[0], fail);
            case "index":
                if (args.Count < 1) throw fail("wrong number of args for index: want at least 1 got 0");
                return Index(args, fail);
            case "slice":
                if (args.Count is < 1 or > 4) throw fail($"wrong number of args for slice: want 1 to 4 got {args.Count}");
                return Slice(args, fail);
            case "json":
                Arity(name, args, 1, fail);
                return GoValue.ToJson(args[0]) ?? ""; // Ollama ignores Marshal's error and prints nothing
            case "print":
                return Sprint(args, spacesAlways: false);
            case "println":
                return Sprint(args, spacesAlways: true) + "\n";
            case "printf":
                if (args.Count < 1 || args[0] is not string format) throw fail("printf needs a format string as its first argument");
                return GoPrintf.Format(format, args.Skip(1).ToList());
            default:
                throw fail($"function \"{name}\" not defined");
        }
    }

    private static void Arity(string name, IReadOnlyList<object?> args, int want, Func<string, Exception> fail)
    {
        if (args.Count != want) throw fail($"wrong number of args for {name}: want {want} got {args.Count}");
    }

    private enum Kind { Invalid, Bool, Int, Float, String, Other }

    private static Kind KindOf(object? v) => v switch
    {
        null => Kind.Invalid,
        bool => Kind.Bool,
        long or int => Kind.Int,
        double or float => Kind.Float,
        string => Kind.String,
        _ => Kind.Other,
    };

    /// <summary>Go's eq for two values: same basic kind compares by value; nil against anything is false; different basic kinds are an error.</summary>
    private static bool Equal(object? a, object? b, Func<string, Exception> fail)
    {
        var (ka, kb) = (KindOf(a), KindOf(b));
        if (ka == Kind.Invalid || kb == Kind.Invalid) return ka == kb;
        if (ka != kb) throw fail($"incompatible types for comparison: {GoValue.TypeName(a)} and {GoValue.TypeName(b)}");
        return ka switch
        {
            Kind.Bool => (bool)a! == (bool)b!,
            Kind.Int => Convert.ToInt64(a, CultureInfo.InvariantCulture) == Convert.ToInt64(b, CultureInfo.InvariantCulture),
            Kind.Float => Convert.ToDouble(a, CultureInfo.InvariantCulture) == Convert.ToDouble(b, CultureInfo.InvariantCulture),
            Kind.String => (string)a! == (string)b!,
            _ => a is GoStruct ? Equals(a, b) : throw fail($"non-comparable type {GoValue.TypeName(a)}"),
        };
    }

    private static int Compare(object? a, object? b, Func<string, Exception> fail)
    {
        var (ka, kb) = (KindOf(a), KindOf(b));
        if (ka is Kind.Invalid or Kind.Bool or Kind.Other || kb is Kind.Invalid or Kind.Bool or Kind.Other)
            throw fail($"invalid type for comparison: {GoValue.TypeName(ka is Kind.Invalid or Kind.Bool or Kind.Other ? a : b)}");
        if (ka != kb) throw fail($"incompatible types for comparison: {GoValue.TypeName(a)} and {GoValue.TypeName(b)}");
        return ka switch
        {
            Kind.Int => Convert.ToInt64(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToInt64(b, CultureInfo.InvariantCulture)),
            Kind.Float => Convert.ToDouble(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(b, CultureInfo.InvariantCulture)),
            _ => string.CompareOrdinal((string)a!, (string)b!),
        };
    }

    private static long Length(object? v, Func<string, Exception> fail) => v switch
    {
        string s => Encoding.UTF8.GetByteCount(s), // Go strings are bytes
        GoOrderedMap m => m.Count,
        IReadOnlyDictionary<string, object?> d => d.Count,
        _ when GoValue.AsList(v) is { } l => l.Count,
        _ => throw fail($"error calling len: len of type {GoValue.TypeName(v)}"),
    };

    private static object? Index(IReadOnlyList<object?> args, Func<string, Exception> fail)
    {
        var item = args[0];
        for (var i = 1; i < args.Count; i++)
        {
            var key = args[i];
            if (item is null) throw fail("error calling index: index of untyped nil");
            if (item is IReadOnlyDictionary<string, object?> d)
            {
                if (key is not string k) throw fail($"error calling index: value has type {GoValue.TypeName(key)}; should be string");
                item = d.TryGetValue(k, out var value) ? value : null;
                continue;
            }
            if (item is GoOrderedMap m)
            {
                if (key is not string k) throw fail($"error calling index: value has type {GoValue.TypeName(key)}; should be string");
                item = m.TryGetValue(k, out var value) ? value : null;
                continue;
            }
            if (key is not (long or int)) throw fail($"error calling index: cannot index slice/array with type {GoValue.TypeName(key)}");
            var index = Convert.ToInt64(key, CultureInfo.InvariantCulture);
            if (item is string s)
            {
                var bytes = Encoding.UTF8.GetBytes(s);
                if (index < 0 || index >= bytes.Length) throw fail($"error calling index: index out of range: {index}");
                item = (long)bytes[index];
                continue;
            }
            if (GoValue.AsList(item) is not { } list) throw fail($"error calling index: can't index item of type {GoValue.TypeName(item)}");
            if (index < 0 || index >= list.Count) throw fail($"error calling index: index out of range: {index}");
            item = list[(int)index];
        }
        return item;
    }

    private static object? Slice(IReadOnlyList<object?> args, Func<string, Exception> fail)
    {
        var item = args[0];
        var indexes = new long[args.Count - 1];
        for (var i = 1; i < args.Count; i++)
        {
            if (args[i] is not (long or int)) throw fail($"error calling slice: cannot index slice/array with type {GoValue.TypeName(args[i])}");
            indexes[i - 1] = Convert.ToInt64(args[i], CultureInfo.InvariantCulture);
        }
        if (item is string s)
        {
            if (indexes.Length == 3) throw fail("error calling slice: cannot 3-index slice a string");
            var bytes = Encoding.UTF8.GetBytes(s);
            var (from, to) = Bounds(indexes, bytes.Length, fail);
            return Encoding.UTF8.GetString(bytes, (int)from, (int)(to - from));
        }
        if (GoValue.AsList(item) is not { } list) throw fail($"error calling slice: can't slice item of type {GoValue.TypeName(item)}");
        var (start, end) = Bounds(indexes, list.Count, fail);
        var result = new List<object?>((int)(end - start));
        for (var i = start; i < end; i++) result.Add(list[(int)i]);
        return result;
    }

    private static (long From, long To) Bounds(long[] indexes, int length, Func<string, Exception> fail)
    {
        var from = indexes.Length > 0 ? indexes[0] : 0;
        var to = indexes.Length > 1 ? indexes[1] : length;
        var cap = indexes.Length > 2 ? indexes[2] : length;
        if (from < 0 || to < from || to > length || cap < to || cap > length)
            throw fail($"error calling slice: index out of range: [{from}:{to}] with length {length}");
        return (from, to);
    }

    /// <summary>fmt.Sprint (spaces only between two non-strings) or fmt.Sprintln (spaces always; caller adds the newline).</summary>
    private static string Sprint(IReadOnlyList<object?> args, bool spacesAlways)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < args.Count; i++)
        {
            if (i > 0 && (spacesAlways || (args[i] is not string && args[i - 1] is not string))) sb.Append(' ');
            sb.Append(args[i] is null ? "<nil>" : GoValue.Print(args[i]));
        }
        return sb.ToString();
    }
}

/// <summary>The part of Go's fmt.Sprintf that templates use: %v %s %d %q %t %f %e %g %x %c %% with flags, width and precision.</summary>
internal static class GoPrintf
{
    public static string Format(string format, IReadOnlyList<object?> args)
    {
        var sb = new StringBuilder();
        var argIndex = 0;
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c != '%')
            {
                sb.Append(c);
                continue;
            }
            if (++i >= format.Length)
            {
                sb.Append("%!(NOVERB)");
                break;
            }
            var minus = false;
            var zero = false;
            var plus = false;
            for (; i < format.Length && format[i] is '-' or '0' or '+' or ' ' or '#'; i++)
            {
                if (format[i] == '-') minus = true;
                else if (format[i] == '0') zero = true;
                else if (format[i] == '+') plus = true;
            }
            var width = ReadNumber(format, ref i);
            int? precision = null;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                precision = ReadNumber(format, ref i) ?? 0;
            }
            if (i >= format.Length)
            {
                sb.Append("%!(NOVERB)");
                break;
            }
            var verb = format[i];
            if (verb == '%')
            {
                sb.Append('%');
                continue;
            }
            if (argIndex >= args.Count)
            {
                sb.Append("%!").Append(verb).Append("(MISSING)");
                continue;
            }
            var arg = args[argIndex++];
            var text = FormatOne(verb, arg, precision, plus);
            if (width is { } w && text.Length < w)
                text = minus ? text.PadRight(w) : zero && verb is 'd' or 'f' or 'e' or 'g' or 'x' ? ZeroPad(text, w) : text.PadLeft(w);
            sb.Append(text);
        }
        if (argIndex < args.Count)
        {
            sb.Append("%!(EXTRA ");
            for (var a = argIndex; a < args.Count; a++)
            {
                if (a > argIndex) sb.Append(", ");
                sb.Append(GoValue.TypeName(args[a])).Append('=').Append(args[a] is null ? "<nil>" : GoValue.Print(args[a]));
            }
            sb.Append(')');
        }
        return sb.ToString();
    }

    private static string ZeroPad(string text, int width) =>
        text.StartsWith('-') ? "-" + text[1..].PadLeft(width - 1, '0') : text.PadLeft(width, '0');

    private static int? ReadNumber(string format, ref int i)
    {
        var start = i;
        while (i < format.Length && char.IsAsciiDigit(format[i])) i++;
        return i > start ? int.Parse(format.AsSpan(start, i - start), CultureInfo.InvariantCulture) : null;
    }

    private static string FormatOne(char verb, object? arg, int? precision, bool plus)
    {
        string Bad() => $"%!{verb}({GoValue.TypeName(arg)}={(arg is null ? "<nil>" : GoValue.Print(arg))})";
        switch (verb)
        {
            case 'v':
                return arg is null ? "<nil>" : GoValue.Print(arg);
            case 's':
                if (arg is null) return "%!s(<nil>)";
                var s = GoValue.Print(arg);
                return precision is { } p && p < s.Length ? s[..p] : s;
            case 'q':
                return arg is string q ? GoQuote(q) : Bad();
            case 't':
                return arg is bool b ? (b ? "true" : "false") : Bad();
            case 'd':
                return arg is long or int ? Signed(Convert.ToInt64(arg, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture), plus) : Bad();
            case 'c':
                return arg is long or int ? char.ConvertFromUtf32((int)Convert.ToInt64(arg, CultureInfo.InvariantCulture)) : Bad();
            case 'x':
                return arg switch
                {
                    long or int => Convert.ToInt64(arg, CultureInfo.InvariantCulture).ToString("x", CultureInfo.InvariantCulture),
                    string str => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(str)),
                    _ => Bad(),
                };
            case 'f':
            case 'e':
            case 'g':
                if (arg is not (double or float)) return Bad();
                var d = Convert.ToDouble(arg, CultureInfo.InvariantCulture);
                var text = verb switch
                {
                    'f' => d.ToString("F" + (precision ?? 6), CultureInfo.InvariantCulture),
                    'e' => (d.ToString((precision ?? 6) == 0 ? "0e+00" : "0." + new string('0', precision ?? 6) + "e+00", CultureInfo.InvariantCulture)),
                    _ => precision is null ? GoValue.FormatG(d) : d.ToString("G" + precision, CultureInfo.InvariantCulture),
                };
                return Signed(text, plus);
            default:
                return $"%!{verb}({GoValue.TypeName(arg)}={(arg is null ? "<nil>" : GoValue.Print(arg))})";
        }
    }

    private static string Signed(string text, bool plus) => plus && !text.StartsWith('-') ? "+" + text : text;

    /// <summary>strconv.Quote: double quotes, Go escapes for quotes, backslashes and control characters.</summary>
    public static string GoQuote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (c < 0x20 || c == 0x7f) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
