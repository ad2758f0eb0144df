namespace Takase.Engine.Templates.Internals;

/// <summary>
/// Global functions every template sees: jinja2's (range, dict, namespace, cycler, joiner) plus the two Hugging Face
/// adds for chat templates (raise_exception, strftime_now). Render variables with the same name take precedence.
/// </summary>
internal static class Builtins
{
    // jinja2's sandbox refuses ranges longer than this.
    private const long MaxRange = 100_000;

    public static readonly IReadOnlyDictionary<string, object?> Globals = new Dictionary<string, object?>(StringComparer.Ordinal)
    {
        ["range"] = new BuiltinFunction("range", (_, a) => Range(a)),
        ["dict"] = new BuiltinFunction("dict", (_, a) => Dict(a, "dict")),
        ["namespace"] = new BuiltinFunction("namespace", (_, a) => new Namespace(Dict(a, "namespace"))),
        ["cycler"] = new BuiltinFunction("cycler", (_, a) => new Cycler(a.Positional)),
        ["joiner"] = new BuiltinFunction("joiner", (_, a) => Joiner(a)),
        ["raise_exception"] = new BuiltinFunction("raise_exception", (_, a) =>
            throw new TemplateException(TemplateErrorKind.Raised, Py.Str(a.Bind("raise_exception", "message")[0] is var m && m is Missing ? "" : m))),
        ["strftime_now"] = new BuiltinFunction("strftime_now", (ctx, a) =>
        {
            var format = a.Bind("strftime_now", "format")[0];
            if (!Py.IsString(format, out var f))
                throw new TemplateException(TemplateErrorKind.Type, $"strftime() argument 1 must be str, not {Py.TypeName(format)}");
            return PyStrftime.Format(ctx.Clock(), f);
        }),
    };

    private static long Int(object? v)
    {
        if (Py.IsNumber(v, out var l, out _, out var integral) && integral) return l;
        if (v is Undefined u) throw u.Fail();
        throw new TemplateException(TemplateErrorKind.Type, $"{PyRepr.Repr(Py.TypeName(v))} object cannot be interpreted as an integer");
    }

    private static object Range(CallArgs args)
    {
        if (args.Named.Length > 0) throw new TemplateException(TemplateErrorKind.Type, "range() takes no keyword arguments");
        var p = args.Positional;
        long start = 0, stop, step = 1;
        switch (p.Length)
        {
            case 1:
                stop = Int(p[0]);
                break;
            case 2:
                start = Int(p[0]);
                stop = Int(p[1]);
                break;
            case 3:
                start = Int(p[0]);
                stop = Int(p[1]);
                step = Int(p[2]);
                break;
            default:
                throw new TemplateException(TemplateErrorKind.Type, $"range expected at most 3 arguments, got {p.Length}");
        }
        if (step == 0) throw new TemplateException(TemplateErrorKind.Value, "range() arg 3 must not be zero");
        var count = step > 0 ? (stop > start ? (stop - start + step - 1) / step : 0) : (start > stop ? (start - stop - step - 1) / -step : 0);
        if (count > MaxRange)
            throw new TemplateException(TemplateErrorKind.Overflow, $"Range too big. The sandbox blocks ranges larger than MAX_RANGE ({MaxRange}).");
        var list = new List<object?>((int)count);
        for (long i = 0, v = start; i < count; i++, v += step) list.Add(v);
        return list;
    }

    /// <summary>dict(mapping_or_pairs, **kwargs), also the argument rules of namespace().</summary>
    private static PyDict Dict(CallArgs args, string name)
    {
        if (args.Positional.Length > 1)
            throw new TemplateException(TemplateErrorKind.Type, $"{name} expected at most 1 argument, got {args.Positional.Length}");
        var result = new PyDict();
        if (args.Positional.Length == 1)
        {
            var source = args.Positional[0];
            if (source is IReadOnlyDictionary<string, object?> map)
                foreach (var (k, v) in new Mapping(map).Pairs) result[k] = v;
            else
                foreach (var pair in Py.Iterate(source))
                {
                    var kv = Py.AsList(pair);
                    if (kv.Count != 2)
                        throw new TemplateException(TemplateErrorKind.Value, $"dictionary update sequence element has length {kv.Count}; 2 is required");
                    result[kv[0]] = kv[1];
                }
        }
        foreach (var (k, v) in args.Named) result[k] = v;
        return result;
    }

    private static BuiltinFunction Joiner(CallArgs args)
    {
        var sep = args.Bind("joiner", "sep")[0] is var s && s is Missing ? ", " : Py.Str(s);
        var used = false;
        return new BuiltinFunction("joiner", (_, _) =>
        {
            if (used) return sep;
            used = true;
            return "";
        });
    }
}

/// <summary>jinja2's cycler(*items): .next() returns the items in turn, .current peeks, .reset() starts over.</summary>
internal sealed class Cycler(object?[] items)
{
    private int _pos;

    public bool TryGetAttribute(string name, out object? value)
    {
        value = name switch
        {
            "items" => items.ToList(),
            "current" => items.Length > 0 ? items[_pos] : Undefined.WithHint("cycler has no items"),
            "next" => new BuiltinFunction("next", (_, _) =>
            {
                var v = items[_pos];
                _pos = (_pos + 1) % items.Length;
                return v;
            }),
            "reset" => new BuiltinFunction("reset", (_, _) =>
            {
                _pos = 0;
                return null;
            }),
            _ => Missing.Value,
        };
        return value is not Missing;
    }
}
