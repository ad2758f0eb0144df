using System.Runtime.CompilerServices;

namespace Takase.Engine.Templates.Internals;

/// <summary>
/// Python semantics of the operations templates perform: truthiness, ==, &lt;, arithmetic, iteration, len, in,
/// attribute and item lookup (with jinja2's sandbox rules). Error messages match CPython's so a failing render
/// reads the same as it does under Hugging Face.
/// </summary>
internal static class Py
{
    public static string Str(object? v) => PyRepr.Str(v);

    /// <summary>type(v).__name__.</summary>
    public static string TypeName(object? v) => v switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        Markup => "Markup",
        PyTuple => "tuple",
        IReadOnlyList<object?> => "list",
        IReadOnlyDictionary<string, object?> => "dict",
        Undefined => "Undefined",
        Namespace => "Namespace",
        PyGenerator => "generator",
        LoopContext => "LoopContext",
        MacroValue => "Macro",
        BoundMethod => "builtin_function_or_method",
        BuiltinFunction => "function",
        SliceValue => "slice",
        _ => v.GetType().Name,
    };

    /// <summary>jinja2's object_type_repr, used in "'dict object' has no attribute 'x'".</summary>
    public static string ObjectTypeRepr(object? v) => v switch
    {
        null => "None",
        Markup => "markupsafe.Markup object",
        Namespace => "jinja2.utils.Namespace object",
        LoopContext => "jinja2.runtime.LoopContext object",
        Undefined => "jinja2.runtime.Undefined object",
        MacroValue => "jinja2.runtime.Macro object",
        _ => TypeName(v) + " object",
    };

    public static bool IsString(object? v, out string s)
    {
        switch (v)
        {
            case string str:
                s = str;
                return true;
            case Markup m:
                s = m.Value;
                return true;
            default:
                s = "";
                return false;
        }
    }

    public static bool IsList(object? v) => v is IReadOnlyList<object?> and not PyTuple;

    public static bool Truthy(object? v) => v switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length != 0,
        Markup m => m.Value.Length != 0,
        Undefined => false,
        IReadOnlyList<object?> list => list.Count != 0,
        IReadOnlyDictionary<string, object?> dict => dict.Count != 0,
        _ => true,
    };

    // ---- numbers -------------------------------------------------------------------------------------------

    /// <summary>True for int, float and bool (a Python int subclass); integral tells whether it is int/bool.</summary>
    public static bool IsNumber(object? v, out long l, out double d, out bool integral)
    {
        switch (v)
        {
            case long x:
                l = x;
                d = x;
                integral = true;
                return true;
            case bool b:
                l = b ? 1 : 0;
                d = l;
                integral = true;
                return true;
            case double x:
                l = 0;
                d = x;
                integral = false;
                return true;
            default:
                l = 0;
                d = 0;
                integral = false;
                return false;
        }
    }

    // ---- equality and ordering -----------------------------------------------------------------------------

    /// <summary>Python ==.</summary>
    public static bool Equal(object? a, object? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a is Undefined || b is Undefined) return a is Undefined && b is Undefined;
        if (IsNumber(a, out var la, out var da, out var ia) && IsNumber(b, out var lb, out var db, out var ib))
            return ia && ib ? la == lb : da == db;
        if (IsString(a, out var sa)) return IsString(b, out var sb) && sa == sb;
        if (a is null || b is null) return false;
        if (a is PyTuple ta) return b is PyTuple tb && SequenceEqual(ta, tb);
        if (a is IReadOnlyList<object?> xa) return b is IReadOnlyList<object?> xb and not PyTuple && SequenceEqual(xa, xb);
        if (a is IReadOnlyDictionary<string, object?> da1)
        {
            if (b is not IReadOnlyDictionary<string, object?> db1) return false;
            Mapping ma = new(da1), mb = new(db1);
            if (ma.Count != mb.Count) return false;
            foreach (var (k, v) in ma.Pairs)
                if (!mb.TryGetValue(k, out var w) || !Equal(v, w)) return false;
            return true;
        }
        return false;
    }

    private static bool SequenceEqual(IReadOnlyList<object?> a, IReadOnlyList<object?> b)
    {
        if (a.Count != b.Count) return false;
        for (var i = 0; i < a.Count; i++)
            if (!Equal(a[i], b[i])) return false;
        return true;
    }

    /// <summary>Python ordering for &lt; &lt;= &gt; &gt;=; returns negative/zero/positive or throws TypeError.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        if (a is Undefined ua) throw ua.Fail();
        if (b is Undefined ub) throw ub.Fail();
        if (IsNumber(a, out var la, out var da, out var ia) && IsNumber(b, out var lb, out var db, out var ib))
            return ia && ib ? la.CompareTo(lb) : da.CompareTo(db);
        if (IsString(a, out var sa) && IsString(b, out var sb)) return PyText.CompareCodePoints(sa, sb);
        if ((a is PyTuple && b is PyTuple) || (IsList(a) && IsList(b)))
        {
            var xa = (IReadOnlyList<object?>)a!;
            var xb = (IReadOnlyList<object?>)b!;
            var n = Math.Min(xa.Count, xb.Count);
            for (var i = 0; i < n; i++)
                if (!Equal(xa[i], xb[i])) return Compare(xa[i], xb[i], op);
            return xa.Count.CompareTo(xb.Count);
        }
        throw new TemplateException(TemplateErrorKind.Type,
            $"'{op}' not supported between instances of {PyRepr.Repr(TypeName(a))} and {PyRepr.Repr(TypeName(b))}");
    }

    // ---- arithmetic ----------------------------------------------------------------------------------------

    private static TemplateException Unsupported(string op, object? a, object? b) =>
        new(TemplateErrorKind.Type, $"unsupported operand type(s) for {op}: {PyRepr.Repr(TypeName(a))} and {PyRepr.Repr(TypeName(b))}");

    private static void ThrowIfUndefined(object? a, object? b)
    {
        if (a is Undefined ua) throw ua.Fail();
        if (b is Undefined ub) throw ub.Fail();
    }

    private static long Checked(Func<long> f)
    {
        try
        {
            return f();
        }
        catch (OverflowException)
        {
            throw new TemplateException(TemplateErrorKind.Overflow, "integer result too large for the template engine (64-bit)");
        }
    }

    public static object? Add(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (IsNumber(a, out var la, out var da, out var ia) && IsNumber(b, out var lb, out var db, out var ib))
            return ia && ib ? (object)Checked(() => checked(la + lb)) : da + db;
        // Markup escapes the plain-string side (markupsafe's __add__ / __radd__).
        if (a is Markup ma)
        {
            if (IsString(b, out _)) return new Markup(ma.Value + Markup.EscapeValue(b));
            throw Unsupported("+", a, b);
        }
        if (b is Markup mb)
        {
            if (a is string s0) return new Markup(Markup.Escape(s0) + mb.Value);
            throw Unsupported("+", a, b);
        }
        if (a is string sa)
        {
            if (b is string sb) return string.Concat(sa, sb);
            throw new TemplateException(TemplateErrorKind.Type, $"can only concatenate str (not \"{TypeName(b)}\") to str");
        }
        if (a is PyTuple ta)
        {
            if (b is PyTuple tb) return new PyTuple([.. ta.Items, .. tb.Items]);
            throw new TemplateException(TemplateErrorKind.Type, $"can only concatenate tuple (not \"{TypeName(b)}\") to tuple");
        }
        if (a is IReadOnlyList<object?> xa)
        {
            if (IsList(b))
            {
                var r = new List<object?>(xa.Count + ((IReadOnlyList<object?>)b!).Count);
                r.AddRange(xa);
                r.AddRange((IReadOnlyList<object?>)b!);
                return r;
            }
            throw new TemplateException(TemplateErrorKind.Type, $"can only concatenate list (not \"{TypeName(b)}\") to list");
        }
        throw Unsupported("+", a, b);
    }

    public static object? Sub(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (IsNumber(a, out var la, out var da, out var ia) && IsNumber(b, out var lb, out var db, out var ib))
            return ia && ib ? (object)Checked(() => checked(la - lb)) : da - db;
        throw Unsupported("-", a, b);
    }

    public static object? Mul(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (IsNumber(a, out var la, out var da, out var ia) && IsNumber(b, out var lb, out var db, out var ib))
            return ia && ib ? (object)Checked(() => checked(la * lb)) : da * db;
        // markupsafe's Markup repeats only by integers and reports the other operand otherwise.
        if (a is Markup && !(IsNumber(b, out _, out _, out ib) && ib))
            throw new TemplateException(TemplateErrorKind.Type, $"{PyRepr.Repr(TypeName(b))} object cannot be interpreted as an integer");
        if (b is Markup && !(IsNumber(a, out _, out _, out ia) && ia))
            throw new TemplateException(TemplateErrorKind.Type, $"{PyRepr.Repr(TypeName(a))} object cannot be interpreted as an integer");
        // Sequence repetition: Python asks the left operand first, then the right one.
        var aSeq = IsString(a, out _) || a is IReadOnlyList<object?>;
        var bSeq = IsString(b, out _) || b is IReadOnlyList<object?>;
        if (aSeq)
        {
            if (IsNumber(b, out lb, out _, out ib) && ib) return Repeat(a, lb);
            throw new TemplateException(TemplateErrorKind.Type, $"can't multiply sequence by non-int of type {PyRepr.Repr(TypeName(b))}");
        }
        if (bSeq)
        {
            if (IsNumber(a, out la, out _, out ia) && ia) return Repeat(b, la);
            throw new TemplateException(TemplateErrorKind.Type, $"can't multiply sequence by non-int of type {PyRepr.Repr(TypeName(a))}");
        }
        throw Unsupported("*", a, b);
    }

    private static object Repeat(object? seq, long n)
    {
        if (n < 0) n = 0;
        if (IsString(seq, out var s))
        {
            var r = string.Concat(Enumerable.Repeat(s, (int)n));
            return seq is Markup ? new Markup(r) : r;
        }
        var items = (IReadOnlyList<object?>)seq!;
        var list = new List<object?>(items.Count * (int)n);
        for (var i = 0; i < n; i++) list.AddRange(items);
        return seq is PyTuple ? new PyTuple([.. list]) : list;
    }

    public static object? TrueDiv(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (IsNumber(a, out _, out var da, out var ia) && IsNumber(b, out _, out var db, out var ib))
        {
            if (db == 0) throw new TemplateException(TemplateErrorKind.ZeroDivision, ia && ib ? "division by zero" : "float division by zero");
            return da / db;
        }
        throw Unsupported("/", a, b);
    }

    public static object? FloorDiv(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (IsNumber(a, out var la, out var da, out var ia) && IsNumber(b, out var lb, out var db, out var ib))
        {
            if (ia && ib)
            {
                if (lb == 0) throw new TemplateException(TemplateErrorKind.ZeroDivision, "integer division or modulo by zero");
                var q = la / lb;
                if (la % lb != 0 && (la < 0) != (lb < 0)) q--;
                return q;
            }
            if (db == 0) throw new TemplateException(TemplateErrorKind.ZeroDivision, "float floor division by zero");
            return FloatDivMod(da, db).Div;
        }
        throw Unsupported("//", a, b);
    }

    public static object? Mod(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (IsString(a, out var fmt)) return PyFormat.Percent(fmt, b);
        if (IsNumber(a, out var la, out var da, out var ia) && IsNumber(b, out var lb, out var db, out var ib))
        {
            if (ia && ib)
            {
                if (lb == 0) throw new TemplateException(TemplateErrorKind.ZeroDivision, "integer modulo by zero");
                var r = la % lb;
                if (r != 0 && (r < 0) != (lb < 0)) r += lb;
                return r;
            }
            if (db == 0) throw new TemplateException(TemplateErrorKind.ZeroDivision, "float modulo");
            return FloatDivMod(da, db).Mod;
        }
        throw Unsupported("%", a, b);
    }

    // CPython's float_divmod, so -7.5 // 2 and -7.5 % 2 agree with Python to the last bit.
    private static (double Div, double Mod) FloatDivMod(double vx, double wx)
    {
        var mod = vx % wx; // C fmod
        var div = (vx - mod) / wx;
        if (mod != 0)
        {
            if ((wx < 0) != (mod < 0))
            {
                mod += wx;
                div -= 1.0;
            }
        }
        else mod = Math.CopySign(0.0, wx);
        double floordiv;
        if (div != 0)
        {
            floordiv = Math.Floor(div);
            if (div - floordiv > 0.5) floordiv += 1.0;
        }
        else floordiv = Math.CopySign(0.0, vx / wx);
        return (floordiv, mod);
    }

    public static object? Pow(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (IsNumber(a, out var la, out var da, out var ia) && IsNumber(b, out var lb, out var db, out var ib))
        {
            if (ia && ib && lb >= 0)
            {
                return Checked(() =>
                {
                    long result = 1, x = la, e = lb;
                    while (e > 0)
                    {
                        if ((e & 1) != 0) result = checked(result * x);
                        e >>= 1;
                        if (e > 0) x = checked(x * x);
                    }
                    return result;
                });
            }
            if (da == 0 && db < 0) throw new TemplateException(TemplateErrorKind.ZeroDivision, "0.0 cannot be raised to a negative power");
            return Math.Pow(da, db);
        }
        throw Unsupported("** or pow()", a, b);
    }

    public static object? Negate(object? a)
    {
        if (a is Undefined u) throw u.Fail();
        if (IsNumber(a, out var l, out var d, out var integral)) return integral ? (object)Checked(() => checked(-l)) : -d;
        throw new TemplateException(TemplateErrorKind.Type, $"bad operand type for unary -: {PyRepr.Repr(TypeName(a))}");
    }

    public static object? Plus(object? a)
    {
        if (a is Undefined u) throw u.Fail();
        if (IsNumber(a, out var l, out var d, out var integral)) return integral ? (object)l : d;
        throw new TemplateException(TemplateErrorKind.Type, $"bad operand type for unary +: {PyRepr.Repr(TypeName(a))}");
    }

    // ---- containers ----------------------------------------------------------------------------------------

    /// <summary>iter(v) in Python: strings yield characters, dicts their keys, Undefined nothing.</summary>
    public static IEnumerable<object?> Iterate(object? v) => v switch
    {
        IReadOnlyList<object?> list => list,
        string s => PyText.Chars(s),
        Markup m => PyText.Chars(m.Value),
        IReadOnlyDictionary<string, object?> dict => new Mapping(dict).Keys,
        PyGenerator g => g.Consume(),
        Undefined => [],
        _ => throw NotIterable(v),
    };

    public static TemplateException NotIterable(object? v) =>
        new(TemplateErrorKind.Type, $"{PyRepr.Repr(TypeName(v))} object is not iterable");

    /// <summary>list(v) without copying when v already is a list or tuple.</summary>
    public static IReadOnlyList<object?> AsList(object? v) => v as IReadOnlyList<object?> ?? Iterate(v).ToList();

    /// <summary>len(v).</summary>
    public static long Length(object? v) => v switch
    {
        string s => PyText.Length(s),
        Markup m => PyText.Length(m.Value),
        IReadOnlyList<object?> list => list.Count,
        IReadOnlyDictionary<string, object?> dict => dict.Count,
        Undefined => 0,
        LoopContext loop => loop.Length,
        _ => throw new TemplateException(TemplateErrorKind.Type, $"object of type {PyRepr.Repr(TypeName(v))} has no len()"),
    };

    /// <summary>item in container.</summary>
    public static bool Contains(object? container, object? item)
    {
        switch (container)
        {
            case string or Markup:
                IsString(container, out var s);
                if (IsString(item, out var sub)) return s.Contains(sub, StringComparison.Ordinal);
                throw new TemplateException(TemplateErrorKind.Type, $"'in <string>' requires string as left operand, not {TypeName(item)}");
            case IReadOnlyDictionary<string, object?> dict:
                return new Mapping(dict).ContainsKey(item);
            case IReadOnlyList<object?> list:
                foreach (var x in list)
                    if (Equal(x, item)) return true;
                return false;
            case Undefined:
                return false;
            case PyGenerator g:
                foreach (var x in g.Consume())
                    if (Equal(x, item)) return true;
                return false;
            default:
                throw new TemplateException(TemplateErrorKind.Type, $"argument of type {PyRepr.Repr(TypeName(container))} is not iterable");
        }
    }

    // ---- attribute and item lookup (jinja2 sandbox semantics) ----------------------------------------------

    private static readonly HashSet<string> StrMethods =
    [
        "capitalize", "casefold", "center", "count", "encode", "endswith", "expandtabs", "find", "format", "format_map",
        "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
        "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "maketrans", "partition",
        "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split",
        "splitlines", "startswith", "strip", "swapcase", "title", "translate", "upper", "zfill",
    ];

    private static readonly HashSet<string> DictMethods =
        ["clear", "copy", "fromkeys", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values"];

    private static readonly HashSet<string> DictMutators = ["clear", "pop", "popitem", "setdefault", "update"];

    private static readonly HashSet<string> ListMethods =
        ["append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse", "sort"];

    private static readonly HashSet<string> ListMutators = ["append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"];

    /// <summary>obj.name: Python attribute first (methods win over dict keys), then obj[name], else Undefined.</summary>
    public static object? GetAttr(RenderContext ctx, object? obj, string name)
    {
        if (obj is Undefined u) throw u.Fail();
        if (TryAttribute(ctx, obj, name, out var value)) return value;
        if (obj is IReadOnlyDictionary<string, object?> dict && new Mapping(dict).TryGetValue(name, out var item)) return item;
        return Undefined.Member(obj, name);
    }

    /// <summary>obj[key]: item first, then (for string keys) the attribute, else Undefined.</summary>
    public static object? GetItem(RenderContext ctx, object? obj, object? key)
    {
        switch (obj)
        {
            case Undefined u:
                throw u.Fail();
            case IReadOnlyDictionary<string, object?> dict:
                if (new Mapping(dict).TryGetValue(key, out var item)) return item;
                break;
            case IReadOnlyList<object?> list:
                if (key is SliceValue slice) return Slice(list, slice);
                if (IsNumber(key, out var index, out _, out var integral) && integral)
                {
                    if (index < 0) index += list.Count;
                    if (index >= 0 && index < list.Count) return list[(int)index];
                    return Undefined.Member(obj, key);
                }
                break;
            case string or Markup:
                IsString(obj, out var s);
                if (key is SliceValue strSlice)
                {
                    var sliced = SliceString(s, strSlice);
                    return obj is Markup ? new Markup(sliced) : sliced;
                }
                if (IsNumber(key, out var ci, out _, out var cIntegral) && cIntegral)
                {
                    var chars = PyText.HasSurrogates(s) ? PyText.Chars(s) : null;
                    var n = chars?.Count ?? s.Length;
                    if (ci < 0) ci += n;
                    if (ci >= 0 && ci < n)
                    {
                        var ch = chars is null ? s[(int)ci].ToString() : (string)chars[(int)ci]!;
                        return obj is Markup ? new Markup(ch) : ch;
                    }
                    return Undefined.Member(obj, key);
                }
                break;
        }
        if (IsString(key, out var attr) && TryAttribute(ctx, obj, attr, out var value)) return value;
        return Undefined.Member(obj, key);
    }

    /// <summary>The Python attribute of obj (methods, namespace and loop attributes), honouring the immutable sandbox.</summary>
    public static bool TryAttribute(RenderContext ctx, object? obj, string name, out object? value)
    {
        value = null;
        if (name.StartsWith("__", StringComparison.Ordinal) && name.EndsWith("__", StringComparison.Ordinal) && obj is not null)
        {
            // Every Python object has dunder attributes, and the sandbox refuses them all.
            value = Undefined.Unsafe(obj, name);
            return true;
        }
        switch (obj)
        {
            case string or Markup when StrMethods.Contains(name):
                value = new BoundMethod(obj, name);
                return true;
            case IReadOnlyDictionary<string, object?> when DictMethods.Contains(name):
                value = DictMutators.Contains(name) && !ctx.AllowMutation ? Undefined.Unsafe(obj, name) : new BoundMethod(obj, name);
                return true;
            case PyTuple when name is "count" or "index":
                value = new BoundMethod(obj, name);
                return true;
            case IReadOnlyList<object?> and not PyTuple when ListMethods.Contains(name):
                value = ListMutators.Contains(name) && !ctx.AllowMutation ? Undefined.Unsafe(obj, name) : new BoundMethod(obj, name);
                return true;
            case Namespace ns:
                return ns.Attributes.TryGetValue(name, out value);
            case LoopContext loop:
                return loop.TryGetAttribute(name, out value);
            case Cycler cycler:
                return cycler.TryGetAttribute(name, out value);
            case MacroValue macro when name == "name":
                value = macro.Name;
                return true;
        }
        return false;
    }

    // ---- slicing ------------------------------------------------------------------------------------------

    /// <summary>Resolves a Python slice against a sequence length (slice.indices).</summary>
    public static (long Start, long Stop, long Step) SliceIndices(SliceValue slice, long length)
    {
        long step = 1;
        if (slice.Step is not null)
        {
            step = SliceInt(slice.Step);
            if (step == 0) throw new TemplateException(TemplateErrorKind.Value, "slice step cannot be zero");
        }
        long lower = step < 0 ? -1 : 0, upper = step < 0 ? length - 1 : length;
        long start, stop;
        if (slice.Start is null) start = step < 0 ? upper : lower;
        else
        {
            start = SliceInt(slice.Start);
            if (start < 0) start = Math.Max(start + length, lower);
            else start = Math.Min(start, upper);
        }
        if (slice.Stop is null) stop = step < 0 ? lower : upper;
        else
        {
            stop = SliceInt(slice.Stop);
            if (stop < 0) stop = Math.Max(stop + length, lower);
            else stop = Math.Min(stop, upper);
        }
        return (start, stop, step);
    }

    private static long SliceInt(object? v)
    {
        if (IsNumber(v, out var l, out _, out var integral) && integral) return l;
        if (v is Undefined u) throw u.Fail();
        throw new TemplateException(TemplateErrorKind.Type, "slice indices must be integers or None or have an __index__ method");
    }

    public static object Slice(IReadOnlyList<object?> list, SliceValue slice)
    {
        var (start, stop, step) = SliceIndices(slice, list.Count);
        var result = new List<object?>();
        if (step > 0) for (var i = start; i < stop; i += step) result.Add(list[(int)i]);
        else for (var i = start; i > stop; i += step) result.Add(list[(int)i]);
        return list is PyTuple ? new PyTuple([.. result]) : result;
    }

    public static string SliceString(string s, SliceValue slice)
    {
        if (!PyText.HasSurrogates(s))
        {
            var (start, stop, step) = SliceIndices(slice, s.Length);
            if (step == 1) return stop > start ? s.Substring((int)start, (int)(stop - start)) : "";
            var sb = new System.Text.StringBuilder();
            if (step > 0) for (var i = start; i < stop; i += step) sb.Append(s[(int)i]);
            else for (var i = start; i > stop; i += step) sb.Append(s[(int)i]);
            return sb.ToString();
        }
        var chars = PyText.Chars(s);
        return string.Concat(((IReadOnlyList<object?>)Slice(chars, slice)).Cast<string>());
    }

    // ---- hashing (unique, set-like operations) -------------------------------------------------------------

    /// <summary>Python hash/eq for dictionary keys and unique: 1 == 1.0 == True; lists and dicts are unhashable.</summary>
    public sealed class KeyComparer : IEqualityComparer<object?>
    {
        public static readonly KeyComparer Instance = new();

        public new bool Equals(object? x, object? y) => Equal(x, y);

        public int GetHashCode(object? v)
        {
            switch (v)
            {
                case null:
                    return 0;
                case string s:
                    return StringComparer.Ordinal.GetHashCode(s);
                case Markup m:
                    return StringComparer.Ordinal.GetHashCode(m.Value);
                case PyTuple t:
                    var h = new HashCode();
                    foreach (var x in t.Items) h.Add(GetHashCode(x));
                    return h.ToHashCode();
                case IReadOnlyList<object?>:
                case IReadOnlyDictionary<string, object?>:
                    throw new TemplateException(TemplateErrorKind.Type, $"unhashable type: {PyRepr.Repr(TypeName(v))}");
            }
            if (IsNumber(v, out _, out var d, out _)) return d.GetHashCode();
            return RuntimeHelpers.GetHashCode(v);
        }
    }
}
