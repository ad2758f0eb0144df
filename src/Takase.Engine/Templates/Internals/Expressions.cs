using System.Text;

namespace Takase.Engine.Templates.Internals;

/// <summary>An expression node; <see cref="Eval"/> computes its Python value in a scope.</summary>
internal abstract class Expr(int line)
{
    public int Line { get; } = line;
    public abstract object? Eval(Scope scope);
}

internal sealed class ConstExpr(int line, object? value) : Expr(line)
{
    public object? Value { get; } = value;
    public override object? Eval(Scope scope) => Value;
}

internal sealed class NameExpr(int line, string name) : Expr(line)
{
    public string Name { get; } = name;
    public override object? Eval(Scope scope) => scope.Lookup(Name);
}

internal sealed class TupleExpr(int line, Expr[] items) : Expr(line)
{
    public Expr[] Items { get; } = items;

    public override object? Eval(Scope scope)
    {
        var values = new object?[Items.Length];
        for (var i = 0; i < values.Length; i++) values[i] = Items[i].Eval(scope);
        return new PyTuple(values);
    }
}

internal sealed class ListExpr(int line, Expr[] items) : Expr(line)
{
    public override object? Eval(Scope scope)
    {
        var list = new List<object?>(items.Length);
        foreach (var item in items) list.Add(item.Eval(scope));
        return list;
    }
}

internal sealed class DictExpr(int line, (Expr Key, Expr Value)[] pairs) : Expr(line)
{
    public override object? Eval(Scope scope)
    {
        var dict = new PyDict(pairs.Length);
        foreach (var (keyExpr, valueExpr) in pairs)
        {
            var key = keyExpr.Eval(scope);
            dict[key is Markup m ? m.Value : key] = valueExpr.Eval(scope);
        }
        return dict;
    }
}

internal sealed class GetAttrExpr(int line, Expr target, string name) : Expr(line)
{
    public override object? Eval(Scope scope) => Py.GetAttr(scope.Ctx, target.Eval(scope), name);
}

internal sealed class GetItemExpr(int line, Expr target, Expr key) : Expr(line)
{
    public override object? Eval(Scope scope) => Py.GetItem(scope.Ctx, target.Eval(scope), key.Eval(scope));
}

internal sealed class SliceExpr(int line, Expr? start, Expr? stop, Expr? step) : Expr(line)
{
    public override object? Eval(Scope scope) => new SliceValue(start?.Eval(scope), stop?.Eval(scope), step?.Eval(scope));
}

/// <summary>Arguments as written at a call site: f(a, b, key=c, *rest, **more).</summary>
internal sealed class ArgList(Expr[] positional, (string Name, Expr Value)[] named, Expr? dynArgs, Expr? dynKwargs)
{
    public static readonly ArgList Empty = new([], [], null, null);

    public CallArgs Eval(Scope scope, KeyValuePair<string, object?>? extraNamed = null)
    {
        if (positional.Length == 0 && named.Length == 0 && dynArgs is null && dynKwargs is null && extraNamed is null) return CallArgs.None;
        var pos = new List<object?>(positional.Length);
        foreach (var e in positional) pos.Add(e.Eval(scope));
        if (dynArgs is not null) pos.AddRange(Py.Iterate(dynArgs.Eval(scope)));
        var kw = new List<KeyValuePair<string, object?>>(named.Length);
        foreach (var (name, e) in named) kw.Add(new(name, e.Eval(scope)));
        if (dynKwargs is not null)
        {
            if (dynKwargs.Eval(scope) is not IReadOnlyDictionary<string, object?> more)
                throw new TemplateException(TemplateErrorKind.Type, "argument after ** must be a mapping", dynKwargs.Line);
            foreach (var (k, v) in new Mapping(more).Pairs)
                kw.Add(new(Py.IsString(k, out var ks) ? ks : throw new TemplateException(TemplateErrorKind.Type, "keywords must be strings"), v));
        }
        if (extraNamed is { } extra) kw.Add(extra);
        return new CallArgs([.. pos], [.. kw]);
    }
}

internal sealed class CallExpr(int line, Expr callee, ArgList args) : Expr(line)
{
    public Expr Callee { get; } = callee;
    public ArgList Args { get; } = args;

    public override object? Eval(Scope scope) => Invoke(scope, null);

    /// <summary>Calls with an extra keyword (the caller of a {% call %} block).</summary>
    public object? Invoke(Scope scope, KeyValuePair<string, object?>? extra)
    {
        var callee = Callee.Eval(scope);
        var args = Args.Eval(scope, extraNamed: extra);
        return CallValue(scope.Ctx, callee, args);
    }

    public static object? CallValue(RenderContext ctx, object? callee, in CallArgs args) => callee switch
    {
        IPyCallable c => c.Call(ctx, args),
        Undefined u => throw u.Fail(),
        _ => throw new TemplateException(TemplateErrorKind.Type, $"{PyRepr.Repr(Py.TypeName(callee))} object is not callable"),
    };
}

internal sealed class FilterExpr(int line, Expr? input, string name, Filters.Fn? fn, ArgList args) : Expr(line)
{
    public override object? Eval(Scope scope) => Apply(scope, null);

    /// <summary>Evaluates the chain; a null input (filter blocks, block set) takes <paramref name="seed"/>.</summary>
    public object? Apply(Scope scope, object? seed)
    {
        var value = input switch
        {
            null => seed,
            FilterExpr inner => inner.Apply(scope, seed),
            _ => input.Eval(scope),
        };
        if (fn is null)
            throw new TemplateException(TemplateErrorKind.Runtime, $"No filter named {PyRepr.Repr(name)} found.", Line);
        return fn(scope, value, args.Eval(scope));
    }
}

internal sealed class TestExpr(int line, Expr input, string name, IsTests.Fn? fn, ArgList args) : Expr(line)
{
    public override object? Eval(Scope scope)
    {
        var value = input.Eval(scope);
        if (fn is null)
            throw new TemplateException(TemplateErrorKind.Runtime, $"No test named {PyRepr.Repr(name)} found.", Line);
        return fn(scope, value, args.Eval(scope));
    }
}

internal enum BinaryOp { Add, Sub, Mul, Div, FloorDiv, Mod, Pow }

internal sealed class BinaryExpr(int line, BinaryOp op, Expr left, Expr right) : Expr(line)
{
    public override object? Eval(Scope scope)
    {
        var a = left.Eval(scope);
        var b = right.Eval(scope);
        return op switch
        {
            BinaryOp.Add => Py.Add(a, b),
            BinaryOp.Sub => Py.Sub(a, b),
            BinaryOp.Mul => Py.Mul(a, b),
            BinaryOp.Div => Py.TrueDiv(a, b),
            BinaryOp.FloorDiv => Py.FloorDiv(a, b),
            BinaryOp.Mod => Py.Mod(a, b),
            _ => Py.Pow(a, b),
        };
    }
}

internal sealed class NegExpr(int line, Expr operand, bool negate) : Expr(line)
{
    public override object? Eval(Scope scope) => negate ? Py.Negate(operand.Eval(scope)) : Py.Plus(operand.Eval(scope));
}

/// <summary>a ~ b ~ c: str() of every part, joined.</summary>
internal sealed class ConcatExpr(int line, Expr[] parts) : Expr(line)
{
    public override object? Eval(Scope scope)
    {
        var sb = new StringBuilder();
        foreach (var p in parts) sb.Append(Py.Str(p.Eval(scope)));
        return sb.ToString();
    }
}

/// <summary>Chained comparison a &lt; b == c, evaluated like Python (each operand once, stop at the first false).</summary>
internal sealed class CompareExpr(int line, Expr first, (string Op, Expr Operand)[] ops) : Expr(line)
{
    public override object? Eval(Scope scope)
    {
        var left = first.Eval(scope);
        foreach (var (op, operandExpr) in ops)
        {
            var right = operandExpr.Eval(scope);
            var ok = op switch
            {
                "==" => Py.Equal(left, right),
                "!=" => !Py.Equal(left, right),
                "<" => Py.Compare(left, right, "<") < 0,
                "<=" => Py.Compare(left, right, "<=") <= 0,
                ">" => Py.Compare(left, right, ">") > 0,
                ">=" => Py.Compare(left, right, ">=") >= 0,
                "in" => Py.Contains(right, left),
                _ => !Py.Contains(right, left),
            };
            if (!ok) return false;
            left = right;
        }
        return true;
    }
}

internal sealed class AndExpr(int line, Expr left, Expr right) : Expr(line)
{
    public override object? Eval(Scope scope)
    {
        var a = left.Eval(scope);
        return Py.Truthy(a) ? right.Eval(scope) : a;
    }
}

internal sealed class OrExpr(int line, Expr left, Expr right) : Expr(line)
{
    public override object? Eval(Scope scope)
    {
        var a = left.Eval(scope);
        return Py.Truthy(a) ? a : right.Eval(scope);
    }
}

internal sealed class NotExpr(int line, Expr operand) : Expr(line)
{
    public override object? Eval(Scope scope) => !Py.Truthy(operand.Eval(scope));
}

/// <summary>a if cond else b; without else an Undefined, as in jinja2.</summary>
internal sealed class CondExpr(int line, Expr test, Expr then, Expr? otherwise) : Expr(line)
{
    public override object? Eval(Scope scope)
    {
        if (Py.Truthy(test.Eval(scope))) return then.Eval(scope);
        return otherwise is not null
            ? otherwise.Eval(scope)
            : Undefined.WithHint($"the inline if-expression on line {Line} evaluated to false and no else section was defined.");
    }
}
