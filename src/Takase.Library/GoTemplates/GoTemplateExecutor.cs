using System.Globalization;
using System.Text;

namespace Takase.Library.GoTemplates;

/// <summary>
/// Walks a parsed template with Go's text/template semantics: truth, scoping of variables per control structure,
/// range over lists (index, element), maps (sorted keys) and ints, lazy and/or, and "&lt;no value&gt;" for missing map keys.
/// One executor per Execute call; it holds the output and the variable stack.
/// </summary>
internal sealed class GoTemplateExecutor
{
    private const int MaxDepth = 10_000;
    private readonly string _src;
    private readonly StringBuilder _out;
    private readonly List<(string Name, object? Value)> _vars = [];
    private int _depth;

    public GoTemplateExecutor(string src, StringBuilder output, object? data)
    {
        _src = src;
        _out = output;
        _vars.Add(("$", data));
    }

    private enum Flow { Normal, Break, Continue }

    public void Run(ListNode root) => ExecList(root, _vars[0].Value);

    private GoTemplateException Error(Node at, string construct, string problem)
    {
        var (line, column) = GoTemplateLexer.Position(_src, at.Offset);
        return new GoTemplateException(line, column, construct, problem);
    }

    private Flow ExecList(ListNode list, object? dot)
    {
        foreach (var node in list.Nodes)
        {
            var flow = Exec(node, dot);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow Exec(Node node, object? dot)
    {
        switch (node)
        {
            case TextNode text:
                _out.Append(text.Text);
                return Flow.Normal;
            case ActionNode action:
                {
                    var value = EvalPipeline(action.Pipe, dot, action.Source);
                    if (action.Pipe.Decl.Count == 0) _out.Append(GoValue.Print(value));
                    return Flow.Normal;
                }
            case LoopControlNode control:
                return control.IsBreak ? Flow.Break : Flow.Continue;
            case BranchNode branch:
                if (++_depth > MaxDepth) throw Error(branch, branch.Source, "template nesting too deep");
                try
                {
                    return branch.Kind == BranchKind.Range ? ExecRange(branch, dot) : ExecIfWith(branch, dot);
                }
                finally
                {
                    _depth--;
                }
            default:
                throw Error(node, node.GetType().Name, "unknown node");
        }
    }

    private Flow ExecIfWith(BranchNode branch, object? dot)
    {
        var mark = _vars.Count;
        try
        {
            var value = EvalPipeline(branch.Pipe, dot, branch.Source);
            if (GoValue.IsTrue(value))
                return ExecList(branch.List, branch.Kind == BranchKind.With ? value : dot);
            return branch.ElseList is null ? Flow.Normal : ExecList(branch.ElseList, dot);
        }
        finally
        {
            _vars.RemoveRange(mark, _vars.Count - mark);
        }
    }

    private Flow ExecRange(BranchNode branch, object? dot)
    {
        var mark = _vars.Count;
        try
        {
            // Evaluate without declaring: range's variables take each key and element, not the whole value.
            var pipe = branch.Pipe;
            var value = EvalPipeline(pipe with { Decl = [] }, dot, branch.Source);
            var any = false;
            foreach (var (key, element) in Iterate(branch, value))
            {
                any = true;
                var inner = _vars.Count;
                if (pipe.Decl.Count == 1) SetVariable(pipe.Decl[0], element, pipe.IsAssign);
                else if (pipe.Decl.Count == 2)
                {
                    SetVariable(pipe.Decl[0], key, pipe.IsAssign);
                    SetVariable(pipe.Decl[1], element, pipe.IsAssign);
                }
                var flow = ExecList(branch.List, element);
                _vars.RemoveRange(inner, _vars.Count - inner);
                if (flow == Flow.Break) break;
            }
            if (!any && branch.ElseList is not null) return ExecList(branch.ElseList, dot);
            return Flow.Normal;
        }
        finally
        {
            _vars.RemoveRange(mark, _vars.Count - mark);
        }
    }

    private IEnumerable<(object? Key, object? Element)> Iterate(BranchNode branch, object? value)
    {
        switch (value)
        {
            case null:
                yield break;
            case long n:
                for (long i = 0; i < n; i++) yield return (i, i);
                yield break;
        }
        if (GoValue.AsMapEntries(value) is { } entries)
        {
            foreach (var (k, v) in entries) yield return (k, v);
            yield break;
        }
        if (GoValue.AsList(value) is { } list)
        {
            for (var i = 0; i < list.Count; i++) yield return ((long)i, list[i]);
            yield break;
        }
        throw Error(branch, branch.Source, $"range can't iterate over {GoValue.Print(value)} ({GoValue.TypeName(value)})");
    }

    private void SetVariable(string name, object? value, bool assign)
    {
        if (assign)
        {
            for (var i = _vars.Count - 1; i >= 0; i--)
                if (_vars[i].Name == name)
                {
                    _vars[i] = (name, value);
                    return;
                }
        }
        _vars.Add((name, value));
    }

    private object? EvalPipeline(PipeNode pipe, object? dot, string source)
    {
        object? value = null;
        var hasFinal = false;
        foreach (var cmd in pipe.Commands)
        {
            value = EvalCommand(cmd, dot, hasFinal, value, source);
            hasFinal = true;
        }
        foreach (var name in pipe.Decl) SetVariable(name, value, pipe.IsAssign);
        return value;
    }

    private object? EvalCommand(CommandNode cmd, object? dot, bool hasFinal, object? final, string source)
    {
        var first = cmd.Args[0];
        if (first is IdentifierNode fn) return CallFunction(fn, cmd.Args, 1, dot, hasFinal, final, source);
        if (cmd.Args.Count > 1 || hasFinal)
        {
            var what = Describe(first);
            throw Error(first, what, first is FieldNode or VariableNode or ChainNode
                ? $"{what} is a field, not a function: it cannot take arguments (Takase's templates call no methods)"
                : $"can't give argument to non-function {what}");
        }
        return EvalArg(first, dot, source);
    }

    private object? CallFunction(IdentifierNode fn, List<Node> argNodes, int start, object? dot, bool hasFinal, object? final, string source)
    {
        Exception Fail(string problem) => Error(fn, fn.Name, problem);
        var count = argNodes.Count - start + (hasFinal ? 1 : 0);
        object? Arg(int i) => i < argNodes.Count - start ? EvalArg(argNodes[start + i], dot, source) : final;

        if (fn.Name is "and" or "or")
        {
            if (count < 1) throw Fail($"wrong number of args for {fn.Name}: want at least 1 got 0");
            object? value = null;
            for (var i = 0; i < count; i++)
            {
                value = Arg(i);
                if (GoValue.IsTrue(value) == (fn.Name == "or")) return value;
            }
            return value;
        }
        var args = new object?[count];
        for (var i = 0; i < count; i++) args[i] = Arg(i);
        return GoTemplateFunctions.Call(fn.Name, args, Fail);
    }

    private object? EvalArg(Node node, object? dot, string source)
    {
        switch (node)
        {
            case DotNode:
                return dot;
            case ConstantNode constant:
                return constant.Value;
            case FieldNode field:
                return Fields(field, dot, field.Ident, "." + string.Join('.', field.Ident));
            case VariableNode variable:
                {
                    object? value = null;
                    var found = false;
                    for (var i = _vars.Count - 1; i >= 0; i--)
                        if (_vars[i].Name == variable.Name)
                        {
                            value = _vars[i].Value;
                            found = true;
                            break;
                        }
                    if (!found) throw Error(variable, variable.Name, $"undefined variable: {variable.Name}");
                    return Fields(variable, value, variable.Fields, Describe(variable));
                }
            case PipeArgNode pipe:
                return EvalPipeline(pipe.Pipe, dot, source);
            case ChainNode chain:
                return Fields(chain, EvalArg(chain.Target, dot, source), chain.Fields, Describe(chain));
            case IdentifierNode fn:
                return CallFunction(fn, [fn], 1, dot, false, null, source);
            default:
                throw Error(node, Describe(node), "can't evaluate this operand");
        }
    }

    /// <summary>Follows .A.B.C from a receiver: maps give nil for missing keys, structs must have the field.</summary>
    private object? Fields(Node at, object? receiver, string[] names, string description)
    {
        var value = receiver;
        foreach (var name in names)
        {
            switch (value)
            {
                case null:
                    value = null;
                    break;
                case GoStruct s:
                    if (!s.TryGetField(name, out value))
                        throw Error(at, description, $"can't evaluate field {name} in type {s.GoTypeName}");
                    break;
                case GoOrderedMap m:
                    value = m.TryGetValue(name, out var mv) ? mv : null;
                    break;
                case IReadOnlyDictionary<string, object?> d:
                    value = d.TryGetValue(name, out var dv) ? dv : null;
                    break;
                default:
                    throw Error(at, description, $"can't evaluate field {name} in type {GoValue.TypeName(value)}");
            }
        }
        return value;
    }

    private static string Describe(Node node) => node switch
    {
        FieldNode f => "." + string.Join('.', f.Ident),
        VariableNode v => v.Name + string.Concat(v.Fields.Select(f => "." + f)),
        ChainNode c => "(…)" + string.Concat(c.Fields.Select(f => "." + f)),
        IdentifierNode i => i.Name,
        ConstantNode c => c.Source,
        DotNode => ".",
        _ => "(…)",
    };

}
