using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Takase.Engine.Templates.Internals;

// The runtime value model. Inputs use plain CLR types (string, bool, long, double, null, IReadOnlyList<object?>,
// IReadOnlyDictionary<string, object?>); the types below are the Python/jinja2 values a template can create.

/// <summary>jinja2's default Undefined: prints as "", is falsy and iterates as empty, but fails when used as a value.</summary>
internal sealed class Undefined
{
    private static readonly object NoOwner = new();

    private readonly object? _owner;
    private readonly object? _name;
    private readonly string? _hint;

    private Undefined(string? hint, object? owner, object? name, TemplateErrorKind kind)
    {
        _hint = hint;
        _owner = owner;
        _name = name;
        Kind = kind;
    }

    /// <summary>The exception kind raised when this value is used (SecurityError for blocked attributes).</summary>
    public TemplateErrorKind Kind { get; }

    /// <summary>A variable that does not exist.</summary>
    public static Undefined Variable(string name) => new(null, NoOwner, name, TemplateErrorKind.Undefined);

    /// <summary>A missing attribute or item of <paramref name="owner"/>.</summary>
    public static Undefined Member(object? owner, object? name) => new(null, owner, name, TemplateErrorKind.Undefined);

    /// <summary>An undefined value with an explanatory message (e.g. "No first item, sequence was empty.").</summary>
    public static Undefined WithHint(string hint) => new(hint, NoOwner, null, TemplateErrorKind.Undefined);

    /// <summary>An attribute the immutable sandbox refuses (list.append and friends).</summary>
    public static Undefined Unsafe(object owner, string attribute) =>
        new($"access to attribute {PyRepr.Repr(attribute)} of {PyRepr.Repr(Py.TypeName(owner))} object is unsafe.",
            owner, attribute, TemplateErrorKind.Security);

    /// <summary>The message jinja2 uses when this value is misused.</summary>
    public string Message
    {
        get
        {
            if (_hint is not null) return _hint;
            if (ReferenceEquals(_owner, NoOwner)) return $"{PyRepr.Repr(_name)} is undefined";
            if (_name is not string) return $"{Py.ObjectTypeRepr(_owner)} has no element {PyRepr.Repr(_name)}";
            return $"{PyRepr.Repr(Py.ObjectTypeRepr(_owner))} has no attribute {PyRepr.Repr(_name)}";
        }
    }

    /// <summary>The exception to throw when the template uses this value.</summary>
    public TemplateException Fail() => new(Kind, Message);
}

/// <summary>A Python tuple: immutable, prints as (a, b).</summary>
internal sealed class PyTuple(object?[] items) : IReadOnlyList<object?>
{
    public static readonly PyTuple Empty = new([]);
    public object?[] Items { get; } = items;
    public int Count => Items.Length;
    public object? this[int index] => Items[index];
    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)Items).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => Items.GetEnumerator();
}

/// <summary>markupsafe.Markup: a string marked safe by the |safe filter; adding plain strings to it HTML-escapes them.</summary>
internal sealed class Markup(string value)
{
    public string Value { get; } = value;
    public override string ToString() => Value;

    /// <summary>markupsafe.escape of a plain string.</summary>
    public static string Escape(string s)
    {
        if (s.AsSpan().IndexOfAny("&<>'\"") < 0) return s;
        var sb = new System.Text.StringBuilder(s.Length + 16);
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '\'' => "&#39;",
                '"' => "&#34;",
                _ => null,
            } ?? c.ToString());
        }
        return sb.ToString();
    }

    /// <summary>Escapes any value the way Markup.escape does (Markup passes through, anything else via str()).</summary>
    public static string EscapeValue(object? v) => v is Markup m ? m.Value : Escape(Py.Str(v));
}

/// <summary>jinja2's namespace(): the one object whose attributes templates may assign (set ns.attr = ...).</summary>
internal sealed class Namespace(PyDict attributes)
{
    public PyDict Attributes { get; } = attributes;
}

/// <summary>A one-shot Python iterator (the result of map/select/reject/unique/items/reversed): truthy, no len(), not JSON.</summary>
internal sealed class PyGenerator(IEnumerable<object?> source)
{
    private IEnumerable<object?>? _source = source;

    /// <summary>Takes the remaining items; a second consumer sees an exhausted iterator, as in Python.</summary>
    public IEnumerable<object?> Consume()
    {
        var s = _source;
        _source = null;
        return s ?? [];
    }
}

/// <summary>A Python slice object as produced by a[start:stop:step].</summary>
internal sealed record SliceValue(object? Start, object? Stop, object? Step);

/// <summary>
/// A Python dict: insertion-ordered, keyed by any hashable value with Python equality (1, 1.0 and True are one
/// key). Templates mostly use string keys, so it also serves as the public IReadOnlyDictionary&lt;string, object?&gt;
/// of the value model; internal code goes through <see cref="Mapping"/> so non-string keys work too.
/// </summary>
internal sealed class PyDict : IReadOnlyDictionary<string, object?>
{
    private static readonly object NullKey = new();

    private readonly List<object?> _order;
    private readonly Dictionary<object, object?> _map;

    public PyDict(int capacity = 0)
    {
        _order = new List<object?>(capacity);
        _map = new Dictionary<object, object?>(capacity, KeyComparerAdapter.Instance);
    }

    private static object Box(object? key) => key ?? NullKey;

    /// <summary>d[key]: reading a missing key throws; use <see cref="TryGet"/>.</summary>
    public object? this[object? key]
    {
        get => _map[Box(key)];
        set
        {
            var k = Box(key);
            if (!_map.ContainsKey(k)) _order.Add(key);
            _map[k] = value;
        }
    }

    public int Count => _order.Count;
    public IReadOnlyList<object?> KeyList => _order;
    public IEnumerable<KeyValuePair<object?, object?>> Pairs => _order.Select(k => new KeyValuePair<object?, object?>(k, _map[Box(k)]));
    public bool TryGet(object? key, out object? value) => _map.TryGetValue(Box(key), out value);

    public bool Remove(object? key)
    {
        if (!_map.Remove(Box(key))) return false;
        var i = 0;
        while (!Py.Equal(_order[i], key)) i++;
        _order.RemoveAt(i);
        return true;
    }

    public void Clear()
    {
        _order.Clear();
        _map.Clear();
    }

    // The IReadOnlyDictionary<string, object?> view (callers see string keys; others are shown as str()).
    object? IReadOnlyDictionary<string, object?>.this[string key] => _map[key];
    IEnumerable<string> IReadOnlyDictionary<string, object?>.Keys => _order.Select(Py.Str);
    public IEnumerable<object?> Values => _order.Select(k => _map[Box(k)]);
    public bool ContainsKey(string key) => _map.ContainsKey(key);
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value) => _map.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        foreach (var k in _order) yield return new KeyValuePair<string, object?>(Py.Str(k), _map[Box(k)]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private sealed class KeyComparerAdapter : IEqualityComparer<object>
    {
        public static readonly KeyComparerAdapter Instance = new();
        public new bool Equals(object? x, object? y) => ReferenceEquals(x, y) || (x != NullKey && y != NullKey && Py.Equal(x, y));
        public int GetHashCode(object obj) => obj == NullKey ? 0 : Py.KeyComparer.Instance.GetHashCode(obj);
    }
}

/// <summary>Uniform read access to a dict, whether the engine built it (<see cref="PyDict"/>) or the caller passed one.</summary>
internal readonly struct Mapping
{
    private readonly PyDict? _py;
    private readonly IReadOnlyDictionary<string, object?>? _external;

    public Mapping(IReadOnlyDictionary<string, object?> dict)
    {
        _py = dict as PyDict;
        _external = _py is null ? dict : null;
    }

    public object Source => (object?)_py ?? _external!;
    public int Count => _py?.Count ?? _external!.Count;

    public IEnumerable<object?> Keys => _py is not null ? _py.KeyList : _external!.Keys;

    public IEnumerable<KeyValuePair<object?, object?>> Pairs =>
        _py is not null ? _py.Pairs : _external!.Select(kv => new KeyValuePair<object?, object?>(kv.Key, kv.Value));

    public bool TryGetValue(object? key, out object? value)
    {
        if (_py is not null) return _py.TryGet(key, out value);
        if (Py.IsString(key, out var s)) return _external!.TryGetValue(s, out value);
        value = null;
        return false;
    }

    public bool ContainsKey(object? key) => TryGetValue(key, out _);
}

/// <summary>Positional and keyword arguments of a call, filter or test.</summary>
internal readonly struct CallArgs(object?[] positional, KeyValuePair<string, object?>[] named)
{
    public static readonly CallArgs None = new([], []);

    public object?[] Positional { get; } = positional;
    public KeyValuePair<string, object?>[] Named { get; } = named;
    public int Count => Positional.Length + Named.Length;

    /// <summary>
    /// Binds the arguments to parameter names like a Python signature; unfilled slots hold <see cref="Missing"/>.
    /// Throws a TypeError for surplus positional arguments or unknown keywords.
    /// </summary>
    public object?[] Bind(string function, params string[] names)
    {
        if (Positional.Length > names.Length)
            throw new TemplateException(TemplateErrorKind.Type,
                $"{function}() takes at most {names.Length} argument(s) ({Positional.Length} given)");
        var bound = new object?[names.Length];
        Array.Fill(bound, Missing.Value);
        Array.Copy(Positional, bound, Positional.Length);
        foreach (var (key, value) in Named)
        {
            var i = Array.IndexOf(names, key);
            if (i < 0)
                throw new TemplateException(TemplateErrorKind.Type, $"{function}() got an unexpected keyword argument {PyRepr.Repr(key)}");
            if (i < Positional.Length)
                throw new TemplateException(TemplateErrorKind.Type, $"{function}() got multiple values for argument {PyRepr.Repr(key)}");
            bound[i] = value;
        }
        return bound;
    }

    public object? Keyword(string name)
    {
        foreach (var (k, v) in Named)
            if (k == name) return v;
        return Missing.Value;
    }
}

/// <summary>Marks an argument that was not passed.</summary>
internal sealed class Missing
{
    public static readonly Missing Value = new();
    private Missing() { }
}

/// <summary>Something a template can call: a macro, a global function, a bound method.</summary>
internal interface IPyCallable
{
    object? Call(RenderContext ctx, in CallArgs args);
}

/// <summary>A global function (range, namespace, raise_exception, ...).</summary>
internal sealed class BuiltinFunction(string name, Func<RenderContext, CallArgs, object?> body) : IPyCallable
{
    public string Name { get; } = name;
    public object? Call(RenderContext ctx, in CallArgs args) => body(ctx, args);
}

/// <summary>A method looked up on a value (message.get, content.strip, ...), called later.</summary>
internal sealed class BoundMethod(object target, string name) : IPyCallable
{
    public object Target { get; } = target;
    public string Name { get; } = name;
    public object? Call(RenderContext ctx, in CallArgs args) => Methods.Invoke(ctx, Target, Name, args);
}
