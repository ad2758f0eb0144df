namespace Takase.Engine.Templates.Internals;

/// <summary>
/// jinja2's <c>loop</c> variable. It reads the iterable lazily and peeks one item ahead only when loop.last or
/// loop.nextitem is asked for, and drains it only for loop.length/revindex, exactly as jinja2 does (this matters
/// when a for-loop's inline if depends on state the body changes).
/// </summary>
internal sealed class LoopContext(IEnumerable<object?> items, int? knownLength)
{
    private static readonly object NoItem = new();

    private IEnumerator<object?> _iterator = items.GetEnumerator();
    private long? _length = knownLength;
    private object? _after = NoItem;
    private object? _current = NoItem;
    private object? _before = NoItem;
    private object? _lastChanged = NoItem;

    public long Index0 { get; private set; } = -1;

    public long Length
    {
        get
        {
            if (_length is { } n) return n;
            var rest = new List<object?>();
            while (_iterator.MoveNext()) rest.Add(_iterator.Current);
            _iterator = rest.GetEnumerator();
            _length = rest.Count + Index0 + 1 + (_after != NoItem ? 1 : 0);
            return _length.Value;
        }
    }

    public bool MoveNext(out object? item)
    {
        if (_after != NoItem)
        {
            item = _after;
            _after = NoItem;
        }
        else if (_iterator.MoveNext()) item = _iterator.Current;
        else
        {
            item = null;
            return false;
        }
        Index0++;
        _before = _current;
        _current = item;
        return true;
    }

    private object? PeekNext()
    {
        if (_after != NoItem) return _after;
        _after = _iterator.MoveNext() ? _iterator.Current : NoItem;
        return _after;
    }

    public bool TryGetAttribute(string name, out object? value)
    {
        value = name switch
        {
            "index0" => Index0,
            "index" => Index0 + 1,
            "revindex" => Length - Index0,
            "revindex0" => Length - Index0 - 1,
            "first" => Index0 == 0,
            "last" => PeekNext() == NoItem,
            "length" => Length,
            "depth" => 1L,
            "depth0" => 0L,
            "previtem" => Index0 == 0 ? Undefined.WithHint("there is no previous item") : _before,
            "nextitem" => PeekNext() is var next && next == NoItem ? Undefined.WithHint("there is no next item") : next,
            "cycle" => new BuiltinFunction("cycle", (_, args) => Cycle(args)),
            "changed" => new BuiltinFunction("changed", (_, args) => Changed(args)),
            _ => NoItem,
        };
        if (value != NoItem) return true;
        value = null;
        return false;
    }

    private object? Cycle(CallArgs args)
    {
        if (args.Positional.Length == 0) throw new TemplateException(TemplateErrorKind.Type, "no items for cycling given");
        return args.Positional[Index0 % args.Positional.Length];
    }

    private object? Changed(CallArgs args)
    {
        var value = new PyTuple(args.Positional);
        if (_lastChanged != NoItem && Py.Equal(_lastChanged, value)) return false;
        _lastChanged = value;
        return true;
    }
}
