namespace Takase.Engine.Templates.Internals;

/// <summary>
/// A macro bound to the scope it was defined in. Calls follow jinja2: missing arguments become Undefined unless
/// they have defaults (evaluated at call time), extra ones need varargs/kwargs in the body, and the result is
/// the rendered body as a string.
/// </summary>
internal sealed class MacroValue(MacroDef def, Scope closure) : IPyCallable
{
    public string Name => def.Name;

    public object? Call(RenderContext ctx, in CallArgs args)
    {
        var scope = closure.Child();
        var parameters = def.Parameters;
        var bound = new bool[parameters.Length];
        var positional = args.Positional;
        var count = Math.Min(positional.Length, parameters.Length);
        for (var i = 0; i < count; i++)
        {
            scope.Set(parameters[i], positional[i]);
            bound[i] = true;
        }
        if (positional.Length > parameters.Length && !def.CatchVarargs)
            throw new TemplateException(TemplateErrorKind.Type,
                $"macro {PyRepr.Repr(def.Name)} takes not more than {parameters.Length} argument(s)");
        var varargs = positional.Length > parameters.Length ? new PyTuple(positional[parameters.Length..]) : PyTuple.Empty;

        var kwargs = new PyDict();
        object? caller = Missing.Value;
        foreach (var (name, value) in args.Named)
        {
            var i = Array.IndexOf(parameters, name);
            if (i >= 0)
            {
                if (bound[i])
                    throw new TemplateException(TemplateErrorKind.Type, $"macro {PyRepr.Repr(def.Name)} got multiple values for argument {PyRepr.Repr(name)}");
                scope.Set(name, value);
                bound[i] = true;
            }
            else if (name == "caller" && def.UsesCaller) caller = value;
            else if (def.CatchKwargs) kwargs[name] = value;
            else
                throw new TemplateException(TemplateErrorKind.Type, $"macro {PyRepr.Repr(def.Name)} takes no keyword argument {PyRepr.Repr(name)}");
        }
        if (def.UsesCaller) scope.Set("caller", caller is Missing ? Undefined.WithHint("No caller defined") : caller);
        if (def.CatchVarargs) scope.Set("varargs", varargs);
        if (def.CatchKwargs) scope.Set("kwargs", kwargs);

        ctx.EnterCall();
        try
        {
            // Defaults are evaluated in order inside the macro's scope, so they may refer to earlier parameters.
            for (var i = 0; i < parameters.Length; i++)
            {
                if (bound[i]) continue;
                scope.Set(parameters[i], def.Defaults[i] is { } d
                    ? d.Eval(scope)
                    : Undefined.WithHint($"parameter {PyRepr.Repr(parameters[i])} was not provided"));
            }
            var line = ctx.Line;
            var text = ctx.Capture(() => Stmt.ExecAll(def.Body, scope));
            ctx.Line = line;
            return text;
        }
        finally
        {
            ctx.ExitCall();
        }
    }
}
