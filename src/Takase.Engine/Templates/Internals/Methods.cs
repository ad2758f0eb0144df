using System.Text;

namespace Takase.Engine.Templates.Internals;

/// <summary>
/// The Python methods templates call on values: str (strip, split, startswith, format, ...), dict (get, items,
/// keys, values; update/pop only when mutation is allowed) and list (index, count; append/pop/... likewise).
/// </summary>
internal static class Methods
{
    public static object? Invoke(RenderContext ctx, object target, string name, in CallArgs args)
    {
        if (target is string or Markup)
        {
            Py.IsString(target, out var s);
            var result = StringMethod(ctx, s, name, args);
            // markupsafe keeps the Markup type for the methods that transform the text, and for split's pieces
            if (target is Markup && result is List<object?> pieces && name is "split" or "rsplit" or "splitlines")
                return pieces.Select(p => (object?)new Markup((string)p!)).ToList();
            return target is Markup && result is string r && name is "strip" or "lstrip" or "rstrip" or "replace" or "upper" or "lower"
                or "title" or "capitalize" or "center" or "ljust" or "rjust" or "zfill" or "swapcase" or "format"
                ? new Markup(r)
                : result;
        }
        if (target is IReadOnlyDictionary<string, object?> dict) return DictMethod(dict, name, args);
        if (target is IReadOnlyList<object?> list) return ListMethod(list, name, args);
        throw NotSupported(Py.TypeName(target), name);
    }

    private static TemplateException NotSupported(string type, string name) =>
        new(TemplateErrorKind.Unsupported, $"{type}.{name}() is not implemented by Takase's template engine");

    private static bool Given(object? v) => v is not Missing;

    private static string Str(object? v, string function)
    {
        if (Py.IsString(v, out var s)) return s;
        if (v is Undefined u) throw u.Fail();
        throw new TemplateException(TemplateErrorKind.Type, $"{function} arg must be None or str");
    }

    private static string? OptionalStr(object? v, string function) => v is null or Missing ? null : Str(v, function);

    private static long Int(object? v, long fallback)
    {
        if (v is Missing or null) return fallback;
        if (Py.IsNumber(v, out var l, out _, out var integral) && integral) return l;
        if (v is Undefined u) throw u.Fail();
        throw new TemplateException(TemplateErrorKind.Type, $"{PyRepr.Repr(Py.TypeName(v))} object cannot be interpreted as an integer");
    }

    // ---- str -------------------------------------------------------------------------------------------------

    private static object? StringMethod(RenderContext ctx, string s, string name, in CallArgs args)
    {
        switch (name)
        {
            case "strip" or "lstrip" or "rstrip":
                {
                    var a = args.Bind(name, "chars");
                    var chars = OptionalStr(a[0], name);
                    return PyText.Strip(s, chars, name != "rstrip", name != "lstrip");
                }
            case "split" or "rsplit":
                {
                    var a = args.Bind(name, "sep", "maxsplit");
                    var sep = OptionalStr(a[0], name);
                    var max = Int(a[1], -1);
                    return name == "split" ? PyText.Split(s, sep, max) : PyText.RSplit(s, sep, max);
                }
            case "splitlines":
                {
                    var a = args.Bind(name, "keepends");
                    return PyText.SplitLines(s, Given(a[0]) && Py.Truthy(a[0]));
                }
            case "startswith" or "endswith":
                {
                    var a = args.Bind(name, "prefix", "start", "end");
                    var sub = Py.SliceString(s, new SliceValue(Given(a[1]) ? a[1] : null, Given(a[2]) ? a[2] : null, null));
                    var candidates = a[0] is PyTuple t ? t.Items : [a[0]];
                    foreach (var c in candidates)
                    {
                        if (!Py.IsString(c, out var p))
                            throw new TemplateException(TemplateErrorKind.Type,
                                $"{name} first arg must be str or a tuple of str, not {Py.TypeName(c)}");
                        if (name == "startswith" ? sub.StartsWith(p, StringComparison.Ordinal) : sub.EndsWith(p, StringComparison.Ordinal)) return true;
                    }
                    return false;
                }
            case "upper":
                args.Bind(name);
                return PyText.Upper(s);
            case "lower":
                args.Bind(name);
                return PyText.Lower(s);
            case "casefold":
                args.Bind(name);
                return PyText.Lower(s);
            case "title":
                args.Bind(name);
                return PyText.Title(s);
            case "capitalize":
                args.Bind(name);
                return PyText.Capitalize(s);
            case "swapcase":
                args.Bind(name);
                return string.Concat(s.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)));
            case "replace":
                {
                    var a = args.Bind(name, "old", "new", "count");
                    return PyText.Replace(s, Str(a[0], name), Str(a[1], name), Int(a[2], -1));
                }
            case "find" or "rfind" or "index" or "rindex":
                {
                    var a = args.Bind(name, "sub", "start", "end");
                    var sub = Str(a[0], name);
                    var length = PyText.Length(s);
                    var (start, end, _) = Py.SliceIndices(new SliceValue(Given(a[1]) ? a[1] : null, Given(a[2]) ? a[2] : null, null), length);
                    var found = -1L;
                    if (end - start >= PyText.Length(sub))
                    {
                        var from = PyText.OffsetOf(s, (int)start);
                        var to = PyText.OffsetOf(s, (int)end);
                        var k = name[0] == 'r'
                            ? s.LastIndexOf(sub, to - 1 < 0 ? 0 : to - 1, to - from, StringComparison.Ordinal)
                            : s.IndexOf(sub, from, to - from, StringComparison.Ordinal);
                        if (name[0] == 'r' && sub.Length == 0) k = to;
                        if (k >= 0 && k + sub.Length <= to) found = PyText.IndexOf(s, k);
                    }
                    if (found < 0 && name.EndsWith("index", StringComparison.Ordinal))
                        throw new TemplateException(TemplateErrorKind.Value, "substring not found");
                    return found;
                }
            case "count":
                {
                    var a = args.Bind(name, "sub");
                    return PyText.Count(s, Str(a[0], name));
                }
            case "join":
                {
                    var a = args.Bind(name, "iterable");
                    var parts = Py.Iterate(a[0]).Select(x => Py.IsString(x, out var p)
                        ? p
                        : throw new TemplateException(TemplateErrorKind.Type, $"sequence item: expected str instance, {Py.TypeName(x)} found"));
                    return string.Join(s, parts);
                }
            case "format":
                return PyFormat.Format(ctx, s, args);
            case "removeprefix":
                {
                    var p = Str(args.Bind(name, "prefix")[0], name);
                    return s.StartsWith(p, StringComparison.Ordinal) ? s[p.Length..] : s;
                }
            case "removesuffix":
                {
                    var p = Str(args.Bind(name, "suffix")[0], name);
                    return p.Length > 0 && s.EndsWith(p, StringComparison.Ordinal) ? s[..^p.Length] : s;
                }
            case "partition" or "rpartition":
                {
                    var sep = Str(args.Bind(name, "sep")[0], name);
                    if (sep.Length == 0) throw new TemplateException(TemplateErrorKind.Value, "empty separator");
                    var k = name == "partition" ? s.IndexOf(sep, StringComparison.Ordinal) : s.LastIndexOf(sep, StringComparison.Ordinal);
                    if (k < 0) return name == "partition" ? new PyTuple([s, "", ""]) : new PyTuple(["", "", s]);
                    return new PyTuple([s[..k], sep, s[(k + sep.Length)..]]);
                }
            case "center" or "ljust" or "rjust":
                {
                    var a = args.Bind(name, "width", "fillchar");
                    var width = Int(a[0], 0);
                    var fill = Given(a[1]) ? Str(a[1], name) : " ";
                    var len = PyText.Length(s);
                    if (len >= width) return s;
                    var margin = (int)(width - len);
                    var left = name switch { "ljust" => 0, "rjust" => margin, _ => margin / 2 + (margin & (int)width & 1) };
                    return Repeat(fill, left) + s + Repeat(fill, margin - left);
                }
            case "zfill":
                {
                    var width = Int(args.Bind(name, "width")[0], 0);
                    var len = PyText.Length(s);
                    if (len >= width) return s;
                    var sign = s.Length > 0 && s[0] is '+' or '-' ? s[..1] : "";
                    return sign + new string('0', (int)(width - len)) + s[sign.Length..];
                }
            case "isdigit" or "isdecimal" or "isnumeric":
                args.Bind(name);
                return s.Length > 0 && s.All(char.IsDigit);
            case "isalpha":
                args.Bind(name);
                return s.Length > 0 && s.All(char.IsLetter);
            case "isalnum":
                args.Bind(name);
                return s.Length > 0 && s.All(char.IsLetterOrDigit);
            case "isspace":
                args.Bind(name);
                return s.Length > 0 && s.All(PyText.IsSpace);
            case "islower":
                args.Bind(name);
                return PyText.IsLower(s);
            case "isupper":
                args.Bind(name);
                return PyText.IsUpper(s);
            case "isascii":
                args.Bind(name);
                return s.All(char.IsAscii);
            case "expandtabs":
                {
                    var size = Int(args.Bind(name, "tabsize")[0], 8);
                    var sb = new StringBuilder();
                    var column = 0;
                    foreach (var c in s)
                    {
                        if (c == '\t')
                        {
                            var n = size > 0 ? (int)(size - column % size) : 0;
                            sb.Append(' ', n);
                            column += n;
                        }
                        else
                        {
                            sb.Append(c);
                            column = c is '\n' or '\r' ? 0 : column + 1;
                        }
                    }
                    return sb.ToString();
                }
        }
        throw NotSupported("str", name);
    }

    private static string Repeat(string fill, int count)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < count; i++) sb.Append(fill);
        return sb.ToString();
    }

    // ---- dict ------------------------------------------------------------------------------------------------

    private static object? DictMethod(IReadOnlyDictionary<string, object?> dict, string name, in CallArgs args)
    {
        var map = new Mapping(dict);
        switch (name)
        {
            case "get":
                {
                    var a = args.Bind(name, "key", "default");
                    if (a[0] is Missing) throw new TemplateException(TemplateErrorKind.Type, "get expected at least 1 argument, got 0");
                    if (map.TryGetValue(a[0], out var value)) return value;
                    return Given(a[1]) ? a[1] : null;
                }
            case "items":
                args.Bind(name);
                return map.Pairs.Select(kv => (object?)new PyTuple([kv.Key, kv.Value])).ToList();
            case "keys":
                args.Bind(name);
                return map.Keys.ToList();
            case "values":
                args.Bind(name);
                return map.Pairs.Select(kv => kv.Value).ToList();
            case "copy":
                args.Bind(name);
                var copy = new PyDict(dict.Count);
                foreach (var (k, v) in map.Pairs) copy[k] = v;
                return copy;
        }
        // Mutators: only reachable when ChatTemplate.AllowMutation is on (HF's sandbox refuses them).
        var target = dict as PyDict ?? throw new TemplateException(TemplateErrorKind.Type,
            $"dict.{name}() needs a dictionary created by the template or by ChatTemplate.FromJson; this one is read-only");
        switch (name)
        {
            case "update":
                {
                    foreach (var source in args.Positional)
                    {
                        if (source is IReadOnlyDictionary<string, object?> other)
                            foreach (var (k, v) in new Mapping(other).Pairs) target[k] = v;
                        else
                            foreach (var pair in Py.Iterate(source))
                            {
                                var kv = Py.AsList(pair);
                                target[kv[0]] = kv[1];
                            }
                    }
                    foreach (var (k, v) in args.Named) target[k] = v;
                    return null;
                }
            case "pop":
                {
                    var a = args.Bind(name, "key", "default");
                    if (target.TryGet(a[0], out var value))
                    {
                        target.Remove(a[0]);
                        return value;
                    }
                    if (Given(a[1])) return a[1];
                    throw new TemplateException(TemplateErrorKind.Key, PyRepr.Repr(a[0]));
                }
            case "setdefault":
                {
                    var a = args.Bind(name, "key", "default");
                    if (target.TryGet(a[0], out var value)) return value;
                    var d = Given(a[1]) ? a[1] : null;
                    target[a[0]] = d;
                    return d;
                }
            case "clear":
                args.Bind(name);
                target.Clear();
                return null;
        }
        throw NotSupported("dict", name);
    }

    // ---- list ------------------------------------------------------------------------------------------------

    private static object? ListMethod(IReadOnlyList<object?> list, string name, in CallArgs args)
    {
        switch (name)
        {
            case "index":
                {
                    var a = args.Bind(name, "value");
                    for (var i = 0; i < list.Count; i++)
                        if (Py.Equal(list[i], a[0])) return (long)i;
                    throw new TemplateException(TemplateErrorKind.Value, $"{PyRepr.Repr(a[0])} is not in list");
                }
            case "count":
                {
                    var a = args.Bind(name, "value");
                    return (long)list.Count(x => Py.Equal(x, a[0]));
                }
            case "copy":
                args.Bind(name);
                return list.ToList();
        }
        // Mutators: only reachable when ChatTemplate.AllowMutation is on (HF's sandbox refuses them).
        if (list is not List<object?> target)
            throw new TemplateException(TemplateErrorKind.Type,
                $"list.{name}() needs a list created by the template or by ChatTemplate.FromJson; this one is read-only");
        switch (name)
        {
            case "append":
                target.Add(args.Bind(name, "object")[0]);
                return null;
            case "extend":
                target.AddRange(Py.Iterate(args.Bind(name, "iterable")[0]).ToList());
                return null;
            case "insert":
                {
                    var a = args.Bind(name, "index", "object");
                    var i = Int(a[0], 0);
                    if (i < 0) i = Math.Max(0, i + target.Count);
                    target.Insert((int)Math.Min(i, target.Count), a[1]);
                    return null;
                }
            case "pop":
                {
                    var i = Int(args.Bind(name, "index")[0], -1);
                    if (target.Count == 0) throw new TemplateException(TemplateErrorKind.Index, "pop from empty list");
                    if (i < 0) i += target.Count;
                    if (i < 0 || i >= target.Count) throw new TemplateException(TemplateErrorKind.Index, "pop index out of range");
                    var value = target[(int)i];
                    target.RemoveAt((int)i);
                    return value;
                }
            case "remove":
                {
                    var v = args.Bind(name, "value")[0];
                    var k = target.FindIndex(x => Py.Equal(x, v));
                    if (k < 0) throw new TemplateException(TemplateErrorKind.Value, "list.remove(x): x not in list");
                    target.RemoveAt(k);
                    return null;
                }
            case "reverse":
                args.Bind(name);
                target.Reverse();
                return null;
            case "clear":
                args.Bind(name);
                target.Clear();
                return null;
            case "sort":
                {
                    var a = args.Bind(name, "key", "reverse");
                    if (Given(a[0]) && a[0] is not null) throw NotSupported("list", "sort(key=...)");
                    var sorted = Filters.StableSort(target, x => x, Given(a[1]) && Py.Truthy(a[1]));
                    target.Clear();
                    target.AddRange(sorted);
                    return null;
                }
        }
        throw NotSupported("list", name);
    }
}
