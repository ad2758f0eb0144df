namespace Takase.Engine.Templates.Internals;

/// <summary>jinja2's built-in tests (<c>x is defined</c>, <c>x is string</c>, <c>x is divisibleby 3</c>, ...).</summary>
internal static class IsTests
{
    public delegate object? Fn(Scope scope, object? value, CallArgs args);

    private static object? Arg(CallArgs args, string test)
    {
        if (args.Positional.Length == 1 && args.Named.Length == 0) return args.Positional[0];
        if (args.Positional.Length == 0 && args.Named.Length == 1) return args.Named[0].Value;
        throw new TemplateException(TemplateErrorKind.Type, $"test_{test}() takes exactly 2 arguments ({args.Count + 1} given)");
    }

    private static bool NoArgs(CallArgs args, string test, bool result)
    {
        if (args.Count > 0) throw new TemplateException(TemplateErrorKind.Type, $"test_{test}() takes 1 positional argument but {args.Count + 1} were given");
        return result;
    }

    private static bool Divisible(object? value, object? by)
    {
        var result = Py.Mod(value, by);
        return Py.Equal(result, 0L);
    }

    private static bool IsIterable(object? v) =>
        v is string or Markup or IReadOnlyList<object?> or IReadOnlyDictionary<string, object?> or PyGenerator or Undefined;

    private static readonly Dictionary<string, Fn> Table = new(StringComparer.Ordinal)
    {
        ["odd"] = (_, v, a) => NoArgs(a, "odd", Py.Equal(Py.Mod(v, 2L), 1L)),
        ["even"] = (_, v, a) => NoArgs(a, "even", Py.Equal(Py.Mod(v, 2L), 0L)),
        ["divisibleby"] = (_, v, a) => Divisible(v, Arg(a, "divisibleby")),
        ["defined"] = (_, v, a) => NoArgs(a, "defined", v is not Undefined),
        ["undefined"] = (_, v, a) => NoArgs(a, "undefined", v is Undefined),
        ["none"] = (_, v, a) => NoArgs(a, "none", v is null),
        ["boolean"] = (_, v, a) => NoArgs(a, "boolean", v is bool),
        ["false"] = (_, v, a) => NoArgs(a, "false", v is false),
        ["true"] = (_, v, a) => NoArgs(a, "true", v is true),
        ["integer"] = (_, v, a) => NoArgs(a, "integer", v is long),
        ["float"] = (_, v, a) => NoArgs(a, "float", v is double),
        ["number"] = (_, v, a) => NoArgs(a, "number", v is long or double or bool),
        ["string"] = (_, v, a) => NoArgs(a, "string", v is string or Markup),
        ["mapping"] = (_, v, a) => NoArgs(a, "mapping", v is IReadOnlyDictionary<string, object?>),
        // len() and __getitem__ exist: str, list, tuple, dict — and jinja2's Undefined.
        ["sequence"] = (_, v, a) => NoArgs(a, "sequence", v is string or Markup or IReadOnlyList<object?> or IReadOnlyDictionary<string, object?> or Undefined),
        ["iterable"] = (_, v, a) => NoArgs(a, "iterable", IsIterable(v)),
        ["callable"] = (_, v, a) => NoArgs(a, "callable", v is IPyCallable),
        ["sameas"] = (_, v, a) => ReferenceEquals(v, Arg(a, "sameas")) || (v is null && Arg(a, "sameas") is null)
                                  || (v is bool b && Arg(a, "sameas") is bool c && b == c),
        ["escaped"] = (_, v, a) => NoArgs(a, "escaped", v is Markup),
        ["in"] = (_, v, a) => Py.Contains(Arg(a, "in"), v),
        ["lower"] = (_, v, a) => NoArgs(a, "lower", PyText.IsLower(Py.Str(v))),
        ["upper"] = (_, v, a) => NoArgs(a, "upper", PyText.IsUpper(Py.Str(v))),
        ["filter"] = (_, v, a) => NoArgs(a, "filter", v is string name && Filters.Lookup(name) is not null),
        ["test"] = (_, v, a) => NoArgs(a, "test", v is string name && Lookup(name) is not null),
        ["=="] = Eq,
        ["eq"] = Eq,
        ["equalto"] = Eq,
        ["!="] = (_, v, a) => !Py.Equal(v, Arg(a, "ne")),
        ["ne"] = (_, v, a) => !Py.Equal(v, Arg(a, "ne")),
        [">"] = Gt,
        ["gt"] = Gt,
        ["greaterthan"] = Gt,
        [">="] = Ge,
        ["ge"] = Ge,
        ["<"] = Lt,
        ["lt"] = Lt,
        ["lessthan"] = Lt,
        ["<="] = Le,
        ["le"] = Le,
    };

    private static object? Eq(Scope s, object? v, CallArgs a) => Py.Equal(v, Arg(a, "eq"));
    private static object? Gt(Scope s, object? v, CallArgs a) => Py.Compare(v, Arg(a, "gt"), ">") > 0;
    private static object? Ge(Scope s, object? v, CallArgs a) => Py.Compare(v, Arg(a, "ge"), ">=") >= 0;
    private static object? Lt(Scope s, object? v, CallArgs a) => Py.Compare(v, Arg(a, "lt"), "<") < 0;
    private static object? Le(Scope s, object? v, CallArgs a) => Py.Compare(v, Arg(a, "le"), "<=") <= 0;

    public static Fn? Lookup(string name) => Table.GetValueOrDefault(name);
}
