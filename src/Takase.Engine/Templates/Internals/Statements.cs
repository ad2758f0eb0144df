namespace Takase.Engine.Templates.Internals;

internal enum Flow { Normal, Break, Continue }

/// <summary>A statement node; <see cref="Exec"/> writes its output to the render buffer.</summary>
internal abstract class Stmt(int line)
{
    public int Line { get; } = line;
    public abstract Flow Exec(Scope scope);

    public static Flow ExecAll(Stmt[] body, Scope scope)
    {
        foreach (var stmt in body)
        {
            var flow = stmt.Exec(scope);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }
}

internal sealed class TextStmt(int line, string text) : Stmt(line)
{
    public override Flow Exec(Scope scope)
    {
        scope.Ctx.Output.Append(text);
        return Flow.Normal;
    }
}

/// <summary>Statements run in order in the same scope ({% print a, b %}).</summary>
internal sealed class SequenceStmt(int line, Stmt[] body) : Stmt(line)
{
    public override Flow Exec(Scope scope) => ExecAll(body, scope);
}

/// <summary>{{ expr }}: writes str(value); Undefined writes nothing.</summary>
internal sealed class PrintStmt(int line, Expr expr) : Stmt(line)
{
    public override Flow Exec(Scope scope)
    {
        scope.Ctx.Line = Line;
        var value = expr.Eval(scope);
        if (value is string s) scope.Ctx.Output.Append(s);
        else scope.Ctx.Output.Append(Py.Str(value));
        return Flow.Normal;
    }
}

internal sealed class IfStmt(int line, (Expr Test, Stmt[] Body)[] branches, Stmt[] otherwise) : Stmt(line)
{
    public override Flow Exec(Scope scope)
    {
        foreach (var (test, body) in branches)
        {
            scope.Ctx.Line = test.Line;
            if (Py.Truthy(test.Eval(scope))) return ExecAll(body, scope);
        }
        return ExecAll(otherwise, scope);
    }
}

// ---- assignment targets ------------------------------------------------------------------------------------

internal abstract class Target
{
    public abstract void Assign(Scope scope, object? value);
}

internal sealed class NameTarget(string name) : Target
{
    public string Name { get; } = name;
    public override void Assign(Scope scope, object? value) => scope.Set(Name, value);
}

/// <summary>a, b = value: Python unpacking with its error messages.</summary>
internal sealed class TupleTarget(Target[] items) : Target
{
    public override void Assign(Scope scope, object? value)
    {
        var values = Py.AsList(value);
        if (values.Count < items.Length)
            throw new TemplateException(TemplateErrorKind.Value, $"not enough values to unpack (expected {items.Length}, got {values.Count})");
        if (values.Count > items.Length)
            throw new TemplateException(TemplateErrorKind.Value, $"too many values to unpack (expected {items.Length})");
        for (var i = 0; i < items.Length; i++) items[i].Assign(scope, values[i]);
    }
}

/// <summary>set ns.attr = value: only namespace() objects accept attribute assignment.</summary>
internal sealed class NamespaceTarget(string name, string attribute) : Target
{
    public override void Assign(Scope scope, object? value)
    {
        if (scope.Lookup(name) is not Namespace ns)
            throw new TemplateException(TemplateErrorKind.Runtime, "cannot assign attribute on non-namespace object");
        ns.Attributes[attribute] = value;
    }
}

internal sealed class SetStmt(int line, Target target, Expr value) : Stmt(line)
{
    public override Flow Exec(Scope scope)
    {
        scope.Ctx.Line = Line;
        target.Assign(scope, value.Eval(scope));
        return Flow.Normal;
    }
}

/// <summary>{% set x %}...{% endset %}, optionally {% set x | filter %}: the rendered body becomes the value.</summary>
internal sealed class SetBlockStmt(int line, Target target, FilterExpr? filter, Stmt[] body) : Stmt(line)
{
    public override Flow Exec(Scope scope)
    {
        var inner = scope.Child();
        var text = scope.Ctx.Capture(() => ExecAll(body, inner));
        scope.Ctx.Line = Line;
        target.Assign(scope, filter is null ? text : filter.Apply(scope, text));
        return Flow.Normal;
    }
}

/// <summary>{% filter name %}...{% endfilter %}.</summary>
internal sealed class FilterBlockStmt(int line, FilterExpr filter, Stmt[] body) : Stmt(line)
{
    public override Flow Exec(Scope scope)
    {
        var inner = scope.Child();
        var text = scope.Ctx.Capture(() => ExecAll(body, inner));
        scope.Ctx.Line = Line;
        scope.Ctx.Output.Append(Py.Str(filter.Apply(inner, text)));
        return Flow.Normal;
    }
}

internal sealed class BreakStmt(int line) : Stmt(line)
{
    public override Flow Exec(Scope scope) => Flow.Break;
}

internal sealed class ContinueStmt(int line) : Stmt(line)
{
    public override Flow Exec(Scope scope) => Flow.Continue;
}

/// <summary>
/// {% for target in iterable [if test] %} body {% else %} ... {% endfor %}. Each iteration gets a fresh scope, so
/// assignments do not survive to the next iteration or leak out (jinja2's rule); the else branch runs when no
/// iteration ran its body to the end, which is what jinja2's generated code does.
/// </summary>
internal sealed class ForStmt(int line, Target target, Expr iterable, Expr? test, Stmt[] body, Stmt[] otherwise) : Stmt(line)
{
    public override Flow Exec(Scope scope)
    {
        scope.Ctx.Line = Line;
        var source = iterable.Eval(scope);
        IEnumerable<object?> items;
        int? knownLength = null;
        switch (source)
        {
            case IReadOnlyList<object?> list:
                items = list;
                knownLength = list.Count;
                break;
            case IReadOnlyDictionary<string, object?> dict:
                items = new Mapping(dict).Keys.ToList();
                knownLength = dict.Count;
                break;
            case string or Markup:
                var chars = Py.AsList(source);
                items = chars;
                knownLength = chars.Count;
                break;
            default:
                items = Py.Iterate(source);
                break;
        }
        if (test is not null)
        {
            items = Filter(scope, items);
            knownLength = null;
        }

        var loop = new LoopContext(items, knownLength);
        var noIterationCompleted = true;
        while (loop.MoveNext(out var item))
        {
            var inner = scope.Child();
            target.Assign(inner, item);
            inner.Set("loop", loop);
            var flow = ExecAll(body, inner);
            if (flow == Flow.Break) break;
            if (flow == Flow.Continue) continue;
            noIterationCompleted = false;
        }
        if (noIterationCompleted && otherwise.Length > 0) ExecAll(otherwise, scope.Child());
        return Flow.Normal;
    }

    // The inline "if" of a for loop filters lazily, right before each iteration, as jinja2's generator does.
    private IEnumerable<object?> Filter(Scope scope, IEnumerable<object?> items)
    {
        foreach (var item in items)
        {
            var testScope = scope.Child();
            target.Assign(testScope, item);
            if (Py.Truthy(test!.Eval(testScope))) yield return item;
        }
    }
}

/// <summary>The definition shared by macros and {% call %} bodies.</summary>
internal sealed class MacroDef(string name, string[] parameters, Expr?[] defaults, Stmt[] body, bool catchVarargs, bool catchKwargs, bool usesCaller)
{
    public string Name { get; } = name;
    public string[] Parameters { get; } = parameters;
    /// <summary>Default expression per parameter (null when the parameter has none).</summary>
    public Expr?[] Defaults { get; } = defaults;
    public Stmt[] Body { get; } = body;
    public bool CatchVarargs { get; } = catchVarargs;
    public bool CatchKwargs { get; } = catchKwargs;
    public bool UsesCaller { get; } = usesCaller;
}

internal sealed class MacroStmt(int line, MacroDef def) : Stmt(line)
{
    public override Flow Exec(Scope scope)
    {
        scope.Set(def.Name, new MacroValue(def, scope));
        return Flow.Normal;
    }
}

/// <summary>{% call(args) macro(...) %}body{% endcall %}: the body becomes the macro's caller().</summary>
internal sealed class CallBlockStmt(int line, CallExpr call, MacroDef callerDef) : Stmt(line)
{
    public override Flow Exec(Scope scope)
    {
        scope.Ctx.Line = Line;
        var caller = new MacroValue(callerDef, scope);
        var result = call.Invoke(scope, new KeyValuePair<string, object?>("caller", caller));
        scope.Ctx.Output.Append(Py.Str(result));
        return Flow.Normal;
    }
}

/// <summary>
/// Hugging Face's {% generation %}...{% endgeneration %} (marks assistant text for training masks). HF compiles it
/// to a call block, so the body renders unchanged but in its own scope, like a macro body.
/// </summary>
internal sealed class GenerationStmt(int line, Stmt[] body) : Stmt(line)
{
    public override Flow Exec(Scope scope)
    {
        ExecAll(body, scope.Child());
        return Flow.Normal;
    }
}
