using System.Text;

namespace Takase.Engine.Templates.Internals;

/// <summary>State of one Render call: the output buffer, the caller's variables and the settings that shape evaluation.</summary>
internal sealed class RenderContext(IReadOnlyDictionary<string, object?> globals, Func<DateTime> clock, bool allowMutation)
{
    // Python's default recursion limit stops runaway macros long before .NET's stack would overflow.
    private const int MaxCallDepth = 200;

    public StringBuilder Output { get; } = new(4096);
    public IReadOnlyDictionary<string, object?> Globals { get; } = globals;
    public Func<DateTime> Clock { get; } = clock;
    public bool AllowMutation { get; } = allowMutation;

    /// <summary>Template line of the statement being executed, for error messages.</summary>
    public int Line { get; set; }

    private int _depth;

    public void EnterCall()
    {
        if (++_depth > MaxCallDepth)
            throw new TemplateException(TemplateErrorKind.Runtime, "maximum recursion depth exceeded while calling a macro");
    }

    public void ExitCall() => _depth--;

    /// <summary>Runs <paramref name="render"/> and returns what it wrote instead of emitting it (macros, block set, filter blocks).</summary>
    public string Capture(Action render)
    {
        var start = Output.Length;
        try
        {
            render();
            return Output.ToString(start, Output.Length - start);
        }
        finally
        {
            Output.Length = start;
        }
    }
}

/// <summary>
/// One level of variables. jinja2 gives every for-loop iteration, macro call, block set and filter block its own
/// level (so assignments there do not leak out), while if-blocks share their parent's.
/// </summary>
internal sealed class Scope(RenderContext ctx, Scope? parent)
{
    private Dictionary<string, object?>? _vars;

    public RenderContext Ctx { get; } = ctx;
    public Scope? Parent { get; } = parent;

    public Scope Child() => new(Ctx, this);

    public void Set(string name, object? value) => (_vars ??= new Dictionary<string, object?>(StringComparer.Ordinal))[name] = value;

    /// <summary>Resolves a name: enclosing scopes, then the render variables, then the built-in globals.</summary>
    public object? Lookup(string name)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s._vars is not null && s._vars.TryGetValue(name, out var v)) return v;
        if (Ctx.Globals.TryGetValue(name, out var g)) return g;
        if (Builtins.Globals.TryGetValue(name, out var b)) return b;
        return Undefined.Variable(name);
    }
}
