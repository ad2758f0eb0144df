using System.Globalization;
using System.Numerics;
using System.Text;

namespace Takase.Engine.Templates.Internals;

/// <summary>
/// jinja2's built-in filters, with Hugging Face's tojson (json.dumps without HTML escaping). Each behaves like its
/// Python original, including which ones return one-shot generators (map, select, unique, items, ...).
/// </summary>
internal static class Filters
{
    public delegate object? Fn(Scope scope, object? value, CallArgs args);

    /// <summary>Filters jinja2 has that this engine deliberately leaves out; using one fails at parse time.</summary>
    public static readonly HashSet<string> JinjaOnly =
        ["filesizeformat", "groupby", "pprint", "random", "striptags", "urlencode", "urlize", "wordwrap", "xmlattr"];

    private static readonly Dictionary<string, Fn> Table = new(StringComparer.Ordinal)
    {
        ["abs"] = Abs,
        ["attr"] = Attr,
        ["batch"] = Batch,
        ["capitalize"] = (_, v, a) => MapString(v, a, "capitalize", PyText.Capitalize),
        ["center"] = Center,
        ["count"] = (_, v, a) => NoArgs(a, "length", Py.Length(v)),
        ["d"] = Default,
        ["default"] = Default,
        ["dictsort"] = DictSort,
        ["e"] = (_, v, a) => NoArgs(a, "escape", v is Markup ? v : new Markup(Markup.Escape(Py.Str(v)))),
        ["escape"] = (_, v, a) => NoArgs(a, "escape", v is Markup ? v : new Markup(Markup.Escape(Py.Str(v)))),
        ["first"] = First,
        ["float"] = Float,
        ["forceescape"] = (_, v, a) => NoArgs(a, "forceescape", new Markup(Markup.Escape(Py.Str(v)))),
        ["format"] = Format,
        ["indent"] = Indent,
        ["int"] = Int,
        ["items"] = Items,
        ["join"] = Join,
        ["last"] = Last,
        ["length"] = (_, v, a) => NoArgs(a, "length", Py.Length(v)),
        ["list"] = (_, v, a) => NoArgs(a, "list", Py.Iterate(v).ToList()),
        ["lower"] = (_, v, a) => MapString(v, a, "lower", PyText.Lower),
        ["map"] = Map,
        ["max"] = (s, v, a) => MinMax(s, v, a, "max", max: true),
        ["min"] = (s, v, a) => MinMax(s, v, a, "min", max: false),
        ["reject"] = (s, v, a) => SelectOrReject(s, v, a, select: false, lookupAttribute: false),
        ["rejectattr"] = (s, v, a) => SelectOrReject(s, v, a, select: false, lookupAttribute: true),
        ["replace"] = Replace,
        ["reverse"] = Reverse,
        ["round"] = Round,
        ["safe"] = (_, v, a) => NoArgs(a, "safe", v is Markup ? v : new Markup(Py.Str(v))),
        ["select"] = (s, v, a) => SelectOrReject(s, v, a, select: true, lookupAttribute: false),
        ["selectattr"] = (s, v, a) => SelectOrReject(s, v, a, select: true, lookupAttribute: true),
        ["slice"] = Slice,
        ["sort"] = Sort,
        ["string"] = (_, v, a) => NoArgs(a, "string", v is string or Markup ? v : Py.Str(v)),
        ["sum"] = Sum,
        ["title"] = (_, v, a) => MapString(v, a, "title", Title),
        ["tojson"] = ToJson,
        ["trim"] = Trim,
        ["truncate"] = Truncate,
        ["unique"] = Unique,
        ["upper"] = (_, v, a) => MapString(v, a, "upper", PyText.Upper),
        ["wordcount"] = WordCount,
    };

    public static Fn? Lookup(string name) => Table.GetValueOrDefault(name);

    private static bool Given(object? v) => v is not Missing;

    private static object? NoArgs(CallArgs args, string name, object? result)
    {
        if (args.Count > 0) throw new TemplateException(TemplateErrorKind.Type, $"{name}() takes exactly 1 argument ({args.Count + 1} given)");
        return result;
    }

    /// <summary>soft_str(value).method(): Markup stays Markup, anything else is str()'d first.</summary>
    private static object MapString(object? value, CallArgs args, string name, Func<string, string> f)
    {
        NoArgs(args, name, null);
        return value is Markup m ? new Markup(f(m.Value)) : f(Py.Str(value));
    }

    private static long ToLong(object? v, string what)
    {
        if (Py.IsNumber(v, out var l, out _, out var integral) && integral) return l;
        if (v is Undefined u) throw u.Fail();
        throw new TemplateException(TemplateErrorKind.Type, $"{what} must be an integer, not {PyRepr.Repr(Py.TypeName(v))}");
    }

    private static object? IgnoreCase(object? v) => v is string s ? PyText.Lower(s) : v is Markup m ? PyText.Lower(m.Value) : v;

    /// <summary>jinja2's make_attrgetter: "a.b.0" looks up item a, then b, then index 0 (item lookup first).</summary>
    private static Func<object?, object?> AttrGetter(Scope scope, object? attribute, Func<object?, object?>? post = null, object? defaultValue = null)
    {
        var parts = AttributeParts(attribute);
        return item =>
        {
            foreach (var part in parts)
            {
                item = Py.GetItem(scope.Ctx, item, part);
                if (defaultValue is not null && item is Undefined) item = defaultValue;
            }
            return post is null ? item : post(item);
        };
    }

    private static object?[] AttributeParts(object? attribute)
    {
        if (attribute is null or Missing) return [];
        if (attribute is string s)
            return s.Split('.').Select(p => p.Length > 0 && p.All(char.IsAsciiDigit) ? (object?)long.Parse(p, CultureInfo.InvariantCulture) : p).ToArray();
        return [attribute];
    }

    /// <summary>make_multi_attrgetter: "age,name" gives a list of keys; no attribute gives [item].</summary>
    private static Func<object?, object?> MultiAttrGetter(Scope scope, object? attribute, Func<object?, object?>? post)
    {
        var getters = (attribute is string s ? s.Split(',').Cast<object?>() : [attribute is Missing ? null : attribute])
            .Select(a => AttrGetter(scope, a, post)).ToArray();
        return item => getters.Select(g => g(item)).ToList();
    }

    /// <summary>Python's sorted(): stable, only uses &lt;, and reverse=True keeps equal items in their original order.</summary>
    public static List<object?> StableSort(IEnumerable<object?> items, Func<object?, object?> key, bool reverse)
    {
        var list = items.Select(x => (Key: key(x), Item: x)).ToList();
        if (reverse) list.Reverse();
        var sorted = MergeSort(list);
        if (reverse) sorted.Reverse();
        return sorted.Select(p => p.Item).ToList();
    }

    private static List<(object? Key, object? Item)> MergeSort(List<(object? Key, object? Item)> list)
    {
        if (list.Count <= 1) return list;
        var mid = list.Count / 2;
        var left = MergeSort(list.GetRange(0, mid));
        var right = MergeSort(list.GetRange(mid, list.Count - mid));
        var result = new List<(object?, object?)>(list.Count);
        int i = 0, j = 0;
        while (i < left.Count && j < right.Count)
        {
            // take from the right only when it is strictly smaller: keeps the sort stable
            if (Py.Compare(right[j].Key, left[i].Key, "<") < 0) result.Add(right[j++]);
            else result.Add(left[i++]);
        }
        while (i < left.Count) result.Add(left[i++]);
        while (j < right.Count) result.Add(right[j++]);
        return result;
    }

    // ---- individual filters -------------------------------------------------------------------------------

    private static object? Abs(Scope scope, object? v, CallArgs args)
    {
        NoArgs(args, "abs", null);
        if (Py.IsNumber(v, out var l, out var d, out var integral)) return integral ? (object)Math.Abs(l) : Math.Abs(d);
        throw new TemplateException(TemplateErrorKind.Type, $"bad operand type for abs(): {PyRepr.Repr(Py.TypeName(v))}");
    }

    private static object? Attr(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_attr", "name");
        var name = Py.Str(a[0]);
        return Py.TryAttribute(scope.Ctx, v, name, out var value) ? value : Undefined.Member(v, name);
    }

    private static object? Batch(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_batch", "linecount", "fill_with");
        var size = ToLong(a[0], "linecount");
        var fill = a[1];
        return new PyGenerator(Run());

        IEnumerable<object?> Run()
        {
            var batch = new List<object?>();
            foreach (var item in Py.Iterate(v))
            {
                if (batch.Count == size)
                {
                    yield return batch;
                    batch = [];
                }
                batch.Add(item);
            }
            if (batch.Count > 0)
            {
                if (Given(fill) && fill is not null)
                    while (batch.Count < size) batch.Add(fill);
                yield return batch;
            }
        }
    }

    private static object? Center(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_center", "width");
        var width = Given(a[0]) ? ToLong(a[0], "width") : 80;
        var s = Py.Str(v);
        var len = PyText.Length(s);
        if (len >= width) return s;
        var margin = width - len;
        var left = margin / 2 + (margin & width & 1);
        return new string(' ', (int)left) + s + new string(' ', (int)(margin - left));
    }

    private static object? Default(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_default", "default_value", "boolean");
        var fallback = Given(a[0]) ? a[0] : "";
        var boolean = Given(a[1]) && Py.Truthy(a[1]);
        return v is Undefined || (boolean && !Py.Truthy(v)) ? fallback : v;
    }

    private static object? DictSort(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_dictsort", "case_sensitive", "by", "reverse");
        var caseSensitive = Given(a[0]) && Py.Truthy(a[0]);
        var by = Given(a[1]) ? Py.Str(a[1]) : "key";
        var reverse = Given(a[2]) && Py.Truthy(a[2]);
        var pos = by switch
        {
            "key" => 0,
            "value" => 1,
            _ => throw new TemplateException(TemplateErrorKind.FilterArgument, "You can only sort by either \"key\" or \"value\""),
        };
        if (v is not IReadOnlyDictionary<string, object?> dict)
        {
            if (v is Undefined u) throw u.Fail();
            throw new TemplateException(TemplateErrorKind.Attribute, $"{PyRepr.Repr(Py.TypeName(v))} object has no attribute 'items'");
        }
        var pairs = new Mapping(dict).Pairs.Select(kv => (object?)new PyTuple([kv.Key, kv.Value]));
        return StableSort(pairs, p =>
        {
            var x = ((PyTuple)p!)[pos];
            return caseSensitive ? x : IgnoreCase(x);
        }, reverse);
    }

    private static object? First(Scope scope, object? v, CallArgs args)
    {
        NoArgs(args, "first", null);
        foreach (var item in Py.Iterate(v)) return item;
        return Undefined.WithHint("No first item, sequence was empty.");
    }

    private static object? Last(Scope scope, object? v, CallArgs args)
    {
        NoArgs(args, "last", null);
        switch (v)
        {
            case PyGenerator:
                throw new TemplateException(TemplateErrorKind.Type, "'generator' object is not reversible");
            case IReadOnlyDictionary<string, object?> dict:
                return dict.Count > 0 ? new Mapping(dict).Keys.Last() : Undefined.WithHint("No last item, sequence was empty.");
            case Undefined:
                return Undefined.WithHint("No last item, sequence was empty.");
            case not (string or Markup or IReadOnlyList<object?>):
                throw new TemplateException(TemplateErrorKind.Type, $"{PyRepr.Repr(Py.TypeName(v))} object is not reversible");
        }
        var list = Py.AsList(v);
        if (list.Count == 0) return Undefined.WithHint("No last item, sequence was empty.");
        // reversed() indexes the sequence, and indexing Markup gives Markup
        return v is Markup ? new Markup((string)list[^1]!) : list[^1];
    }

    private static object? Float(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_float", "default");
        var fallback = Given(a[0]) ? a[0] : 0.0;
        return TryFloat(v, out var d) ? d : fallback;
    }

    /// <summary>Python float(v): numbers, and strings such as " 1.5 ", "1e3", "inf", "1_000".</summary>
    public static bool TryFloat(object? v, out double d)
    {
        if (v is Undefined u) throw u.Fail();
        if (Py.IsNumber(v, out _, out d, out _)) return true;
        if (!Py.IsString(v, out var s)) return false;
        s = PyText.Strip(s, null, true, true);
        var lower = s.ToLowerInvariant().TrimStart('+', '-');
        var negative = s.StartsWith('-');
        if (lower is "inf" or "infinity")
        {
            d = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if (lower == "nan")
        {
            d = double.NaN;
            return true;
        }
        if (s.Contains("__") || s.StartsWith('_') || s.EndsWith('_')) return false;
        return double.TryParse(s.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out d)
               && s.All(c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-' or '_');
    }

    private static object? Format(Scope scope, object? v, CallArgs args)
    {
        if (args.Positional.Length > 0 && args.Named.Length > 0)
            throw new TemplateException(TemplateErrorKind.FilterArgument, "can't handle positional and keyword arguments at the same time");
        object? values = args.Named.Length > 0
            ? args.Named.Aggregate(new PyDict(), (d, kv) => { d[kv.Key] = kv.Value; return d; })
            : new PyTuple(args.Positional);
        Py.IsString(v, out var s);
        return PyFormat.Percent(v is string or Markup ? s : Py.Str(v), values);
    }

    private static object? Indent(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_indent", "width", "first", "blank");
        var indentation = Given(a[0]) ? a[0] is string w ? w : new string(' ', (int)ToLong(a[0], "width")) : "    ";
        var first = Given(a[1]) && Py.Truthy(a[1]);
        var blank = Given(a[2]) && Py.Truthy(a[2]);
        // jinja2 does `s += "\n"` on the raw value, so only strings get through; the rest fail like Python does.
        if (v is Undefined u) throw u.Fail();
        if (!Py.IsString(v, out var text))
        {
            if (Py.IsList(v)) throw new TemplateException(TemplateErrorKind.Attribute, "'list' object has no attribute 'splitlines'");
            if (v is PyTuple) throw new TemplateException(TemplateErrorKind.Type, "can only concatenate tuple (not \"str\") to tuple");
            throw new TemplateException(TemplateErrorKind.Type, $"unsupported operand type(s) for +=: {PyRepr.Repr(Py.TypeName(v))} and 'str'");
        }
        var s = text + "\n"; // a trailing newline so splitlines keeps a trailing empty line
        var lines = PyText.SplitLines(s).Cast<string>().ToList();
        string result;
        if (blank) result = string.Join("\n" + indentation, lines);
        else
        {
            var sb = new StringBuilder(lines[0]);
            for (var i = 1; i < lines.Count; i++)
            {
                sb.Append('\n');
                if (lines[i].Length > 0) sb.Append(indentation);
                sb.Append(lines[i]);
            }
            result = sb.ToString();
        }
        if (first) result = indentation + result;
        return v is Markup ? new Markup(result) : result;
    }

    private static object? Int(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_int", "default", "base");
        var fallback = Given(a[0]) ? a[0] : 0L;
        var radix = Given(a[1]) ? ToLong(a[1], "base") : 10;
        if (v is Undefined u) throw u.Fail();
        if (Py.IsNumber(v, out var l, out var d, out var integral))
        {
            if (integral) return l;
            if (double.IsNaN(d) || double.IsInfinity(d)) return fallback;
            return (long)Math.Truncate(d);
        }
        if (Py.IsString(v, out var s))
        {
            if (TryParseInt(s, (int)radix, out var parsed)) return parsed;
            // jinja2's quirk: "42.23"|int gives 42.
            if (TryFloat(v, out var f) && !double.IsNaN(f) && !double.IsInfinity(f)) return (long)Math.Truncate(f);
        }
        return fallback;
    }

    private static bool TryParseInt(string s, int radix, out long value)
    {
        value = 0;
        s = PyText.Strip(s, null, true, true).Replace("_", "");
        var negative = s.StartsWith('-');
        if (s.StartsWith('-') || s.StartsWith('+')) s = s[1..];
        if (radix == 16 && s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) s = s[2..];
        if (radix == 8 && s.StartsWith("0o", StringComparison.OrdinalIgnoreCase)) s = s[2..];
        if (radix == 2 && s.StartsWith("0b", StringComparison.OrdinalIgnoreCase)) s = s[2..];
        if (s.Length == 0) return false;
        foreach (var c in s)
        {
            var digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? char.ToLowerInvariant(c) - 'a' + 10 : 99;
            if (digit >= radix) return false;
            value = checked(value * radix + digit);
        }
        if (negative) value = -value;
        return true;
    }

    private static object? Items(Scope scope, object? v, CallArgs args)
    {
        NoArgs(args, "items", null);
        if (v is Undefined) return new PyGenerator([]);
        if (v is not IReadOnlyDictionary<string, object?> dict)
            throw new TemplateException(TemplateErrorKind.Type, "Can only get item pairs from a mapping.");
        return new PyGenerator(new Mapping(dict).Pairs.Select(kv => (object?)new PyTuple([kv.Key, kv.Value])));
    }

    private static object? Join(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_join", "d", "attribute");
        var separator = Given(a[0]) ? Py.Str(a[0]) : "";
        var items = Py.Iterate(v);
        if (Given(a[1]) && a[1] is not null)
        {
            var getter = AttrGetter(scope, a[1]);
            items = items.Select(getter);
        }
        return string.Join(separator, items.Select(Py.Str));
    }

    private static object? Map(Scope scope, object? v, CallArgs args)
    {
        if (!Py.Truthy(v)) return new PyGenerator([]);
        Func<object?, object?> func;
        if (args.Positional.Length == 0 && Given(args.Keyword("attribute")))
        {
            object? attribute = null, fallback = null;
            foreach (var (k, value) in args.Named)
            {
                if (k == "attribute") attribute = value;
                else if (k == "default") fallback = value;
                else throw new TemplateException(TemplateErrorKind.FilterArgument, $"Unexpected keyword argument {PyRepr.Repr(k)}");
            }
            func = AttrGetter(scope, attribute, defaultValue: fallback);
        }
        else
        {
            if (args.Positional.Length == 0) throw new TemplateException(TemplateErrorKind.FilterArgument, "map requires a filter argument");
            var name = Py.Str(args.Positional[0]);
            var rest = new CallArgs(args.Positional[1..], args.Named);
            func = item =>
            {
                var filter = Lookup(name) ?? throw new TemplateException(TemplateErrorKind.Runtime, $"No filter named {PyRepr.Repr(name)}.");
                return filter(scope, item, rest);
            };
        }
        return new PyGenerator(Py.Iterate(v).Select(func));
    }

    private static object? MinMax(Scope scope, object? v, CallArgs args, string name, bool max)
    {
        var a = args.Bind("do_" + name, "case_sensitive", "attribute");
        var caseSensitive = Given(a[0]) && Py.Truthy(a[0]);
        var key = AttrGetter(scope, Given(a[1]) ? a[1] : null, caseSensitive ? null : IgnoreCase);
        object? best = Missing.Value, bestKey = null;
        foreach (var item in Py.Iterate(v))
        {
            var k = key(item);
            if (best is Missing || (max ? Py.Compare(k, bestKey, ">") > 0 : Py.Compare(k, bestKey, "<") < 0))
            {
                best = item;
                bestKey = k;
            }
        }
        return best is Missing ? Undefined.WithHint("No aggregated item, sequence was empty.") : best;
    }

    private static object? SelectOrReject(Scope scope, object? v, CallArgs args, bool select, bool lookupAttribute)
    {
        if (!Py.Truthy(v)) return new PyGenerator([]);
        var off = 0;
        Func<object?, object?> transform = x => x;
        if (lookupAttribute)
        {
            if (args.Positional.Length == 0) throw new TemplateException(TemplateErrorKind.FilterArgument, "Missing parameter for attribute name");
            transform = AttrGetter(scope, args.Positional[0]);
            off = 1;
        }
        Func<object?, bool> test;
        if (args.Positional.Length > off)
        {
            var name = Py.Str(args.Positional[off]);
            var rest = new CallArgs(args.Positional[(off + 1)..], args.Named);
            test = item =>
            {
                var fn = IsTests.Lookup(name) ?? throw new TemplateException(TemplateErrorKind.Runtime, $"No test named {PyRepr.Repr(name)}.");
                return Py.Truthy(fn(scope, item, rest));
            };
        }
        else test = Py.Truthy;
        return new PyGenerator(Py.Iterate(v).Where(item => test(transform(item)) == select));
    }

    private static object? Replace(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_replace", "old", "new", "count");
        if (a[0] is Missing || a[1] is Missing) throw new TemplateException(TemplateErrorKind.Type, "do_replace() missing required arguments 'old' and 'new'");
        var count = Given(a[2]) && a[2] is not null ? ToLong(a[2], "count") : -1;
        return PyText.Replace(Py.Str(v), Py.Str(a[0]), Py.Str(a[1]), count);
    }

    private static object? Reverse(Scope scope, object? v, CallArgs args)
    {
        NoArgs(args, "reverse", null);
        if (v is string s) return Py.SliceString(s, new SliceValue(null, null, -1L));
        if (v is Markup m) return new Markup(Py.SliceString(m.Value, new SliceValue(null, null, -1L)));
        if (v is IReadOnlyDictionary<string, object?> dict) return new PyGenerator(new Mapping(dict).Keys.Reverse().ToList());
        List<object?> list;
        try
        {
            list = Py.Iterate(v).ToList();
        }
        catch (TemplateException e) when (e.Kind == TemplateErrorKind.Type)
        {
            throw new TemplateException(TemplateErrorKind.FilterArgument, "argument must be iterable");
        }
        list.Reverse();
        return v is IReadOnlyList<object?> ? new PyGenerator(list) : list;
    }

    private static object? Round(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_round", "precision", "method");
        var precision = Given(a[0]) ? ToLong(a[0], "precision") : 0;
        var method = Given(a[1]) ? Py.Str(a[1]) : "common";
        if (method is not ("common" or "ceil" or "floor"))
            throw new TemplateException(TemplateErrorKind.FilterArgument, "method must be common, ceil or floor");
        if (!Py.IsNumber(v, out var l, out var d, out var integral))
            throw new TemplateException(TemplateErrorKind.Type, $"type {Py.TypeName(v)} doesn't define __round__ method");
        if (method == "common")
        {
            if (integral) return precision >= 0 ? l : RoundInteger(l, precision);
            return RoundHalfEven(d, (int)precision);
        }
        var scale = Math.Pow(10, precision);
        return (method == "ceil" ? Math.Ceiling(d * scale) : Math.Floor(d * scale)) / scale;
    }

    private static long RoundInteger(long value, long precision)
    {
        var pow = (long)Math.Pow(10, -precision);
        var q = Math.DivRem(value, pow, out var r);
        var twice = Math.Abs(r) * 2;
        if (twice > pow || (twice == pow && (q & 1) != 0)) q += Math.Sign(value);
        return q * pow;
    }

    /// <summary>Python's round(x, n) for floats: exact decimal rounding of the binary value, ties to even.</summary>
    public static double RoundHalfEven(double x, int n)
    {
        if (double.IsNaN(x) || double.IsInfinity(x) || x == 0) return x;
        if (n > 300) return x;
        var bits = BitConverter.DoubleToInt64Bits(x);
        var negative = bits < 0;
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0) exponent++;
        else mantissa |= 1L << 52;
        exponent -= 1075; // |x| = mantissa * 2^exponent
        BigInteger num = mantissa, den = BigInteger.One;
        if (exponent > 0) num <<= exponent;
        else den <<= -exponent;
        if (n >= 0) num *= BigInteger.Pow(10, n);
        else den *= BigInteger.Pow(10, -n);
        var q = BigInteger.DivRem(num, den, out var r);
        var cmp = (r * 2).CompareTo(den);
        if (cmp > 0 || (cmp == 0 && !q.IsEven)) q += 1;
        var text = (negative ? "-" : "") + q.ToString(CultureInfo.InvariantCulture) + "e" + (-n).ToString(CultureInfo.InvariantCulture);
        var result = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return result == 0 && negative ? -0.0 : result;
    }

    private static object? Slice(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_slice", "slices", "fill_with");
        var slices = ToLong(a[0], "slices");
        var fill = Given(a[1]) ? a[1] : null;
        var seq = Py.Iterate(v).ToList();
        var length = seq.Count;
        var perSlice = length / slices;
        var withExtra = length % slices;
        var offset = 0L;
        var result = new List<object?>();
        for (var i = 0L; i < slices; i++)
        {
            var start = offset + i * perSlice;
            if (i < withExtra) offset++;
            var end = offset + (i + 1) * perSlice;
            var tmp = seq.GetRange((int)start, (int)(end - start));
            if (fill is not null && i >= withExtra) tmp.Add(fill);
            result.Add(tmp);
        }
        return new PyGenerator(result);
    }

    private static object? Sort(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_sort", "reverse", "case_sensitive", "attribute");
        var reverse = Given(a[0]) && Py.Truthy(a[0]);
        var caseSensitive = Given(a[1]) && Py.Truthy(a[1]);
        var key = MultiAttrGetter(scope, Given(a[2]) ? a[2] : null, caseSensitive ? null : IgnoreCase);
        return StableSort(Py.Iterate(v), key, reverse);
    }

    private static object? Sum(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_sum", "attribute", "start");
        object? total = Given(a[1]) ? a[1] : 0L;
        var items = Py.Iterate(v);
        if (Given(a[0]) && a[0] is not null) items = items.Select(AttrGetter(scope, a[0]));
        foreach (var item in items) total = Py.Add(total, item);
        return total;
    }

    /// <summary>jinja2's title filter: capitalise each word, words split at whitespace and -({[&lt;.</summary>
    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            var isSeparator = IsTitleSeparator(s[i]);
            while (i < s.Length && IsTitleSeparator(s[i]) == isSeparator) i++;
            var item = s[start..i];
            sb.Append(isSeparator ? item : PyText.Upper(item[..1]) + PyText.Lower(item[1..]));
        }
        return sb.ToString();
    }

    private static bool IsTitleSeparator(char c) => PyText.IsSpace(c) || c is '-' or '(' or '{' or '[' or '<';

    private static object? ToJson(Scope scope, object? v, CallArgs args)
    {
        // Hugging Face's tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False) = json.dumps(...)
        var a = args.Bind("tojson", "ensure_ascii", "indent", "separators", "sort_keys");
        var ensureAscii = Given(a[0]) && Py.Truthy(a[0]);
        string? indent = null;
        if (Given(a[1]) && a[1] is not null)
            indent = a[1] is string s ? s : new string(' ', (int)Math.Max(0, ToLong(a[1], "indent")));
        string itemSep = indent is null ? ", " : ",", keySep = ": ";
        if (Given(a[2]) && a[2] is not null)
        {
            var seps = Py.AsList(a[2]);
            if (seps.Count != 2) throw new TemplateException(TemplateErrorKind.Value, $"too many values to unpack (expected 2)");
            itemSep = Py.Str(seps[0]);
            keySep = Py.Str(seps[1]);
        }
        var sortKeys = Given(a[3]) && Py.Truthy(a[3]);
        return PyJson.Dumps(v, ensureAscii, indent, itemSep, keySep, sortKeys);
    }

    private static object? Trim(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_trim", "chars");
        var chars = Given(a[0]) && a[0] is not null ? Py.Str(a[0]) : null;
        var result = PyText.Strip(Py.Str(v), chars, true, true);
        return v is Markup ? new Markup(result) : result;
    }

    private static object? Truncate(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_truncate", "length", "killwords", "end", "leeway");
        var length = Given(a[0]) ? ToLong(a[0], "length") : 255;
        var killWords = Given(a[1]) && Py.Truthy(a[1]);
        var end = Given(a[2]) ? Py.Str(a[2]) : "...";
        var leeway = Given(a[3]) && a[3] is not null ? ToLong(a[3], "leeway") : 5;
        var s = Py.Str(v);
        if (PyText.Length(s) <= length + leeway) return s;
        var cut = Py.SliceString(s, new SliceValue(null, length - PyText.Length(end), null));
        if (killWords) return cut + end;
        var space = cut.LastIndexOf(' ');
        return (space >= 0 ? cut[..space] : cut) + end;
    }

    private static object? Unique(Scope scope, object? v, CallArgs args)
    {
        var a = args.Bind("do_unique", "case_sensitive", "attribute");
        var caseSensitive = Given(a[0]) && Py.Truthy(a[0]);
        var key = AttrGetter(scope, Given(a[1]) ? a[1] : null, caseSensitive ? null : IgnoreCase);
        return new PyGenerator(Run());

        IEnumerable<object?> Run()
        {
            var seen = new HashSet<object?>(Py.KeyComparer.Instance);
            foreach (var item in Py.Iterate(v))
                if (seen.Add(key(item))) yield return item;
        }
    }

    private static object? WordCount(Scope scope, object? v, CallArgs args)
    {
        NoArgs(args, "wordcount", null);
        var s = Py.Str(v);
        long count = 0;
        var inWord = false;
        foreach (var rune in s.EnumerateRunes())
        {
            var w = PyText.IsWordRune(rune);
            if (w && !inWord) count++;
            inWord = w;
        }
        return count;
    }
}
