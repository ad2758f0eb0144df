namespace Takase.Library.GoTemplates;

/// <summary>
/// Builds the node tree from tokens with Go's text/template grammar: actions, if/else if/else, range (with break,
/// continue and else), with, variables (declared before use), pipelines, parenthesized pipelines and field chains.
/// define/template/block and functions outside <see cref="GoTemplateFunctions"/> are refused with their position.
/// </summary>
internal sealed class GoTemplateParser
{
    private readonly string _src;
    private readonly List<Token> _tokens;
    private readonly List<string> _vars = ["$"];
    private int _i;
    private int _rangeDepth;

    private GoTemplateParser(string src, List<Token> tokens)
    {
        _src = src;
        _tokens = tokens;
    }

    public static ListNode Parse(string src)
    {
        var parser = new GoTemplateParser(src, GoTemplateLexer.Tokenize(src));
        var (list, end) = parser.ParseList(topLevel: true);
        if (end is not null) throw parser.Error(end.Value, "unexpected {{ " + end.Value.Text + " }}");
        return list;
    }

    private Token Peek => _tokens[_i];
    private Token Next() => _tokens[_i++];

    private GoTemplateException Error(Token at, string problem) => Error(at.Offset, at.Kind == TokenKind.Eof ? "end of template" : at.Text, problem);

    private GoTemplateException Error(int offset, string construct, string problem)
    {
        var (line, column) = GoTemplateLexer.Position(_src, offset);
        return new GoTemplateException(line, column, construct, problem);
    }

    /// <summary>Parses nodes until {{ end }} / {{ else }} (returned as the terminator token, positioned after it) or the end of input.</summary>
    private (ListNode List, Token? Terminator) ParseList(bool topLevel)
    {
        var nodes = new List<Node>();
        var offset = Peek.Offset;
        while (true)
        {
            var t = Next();
            switch (t.Kind)
            {
                case TokenKind.Eof:
                    if (!topLevel) throw Error(t, "unexpected end of template: an {{ if }}, {{ range }} or {{ with }} is missing its {{ end }}");
                    _i--;
                    return (new ListNode(offset, nodes), null);
                case TokenKind.Text:
                    nodes.Add(new TextNode(t.Offset, t.Text));
                    continue;
                case TokenKind.LeftDelim:
                    break;
                default:
                    throw Error(t, "unexpected token");
            }

            var first = Peek;
            if (first.Kind == TokenKind.Keyword)
            {
                switch (first.Text)
                {
                    case "end":
                    case "else":
                        if (topLevel) throw Error(first, $"unexpected {{{{ {first.Text} }}}} with no {{{{ if }}}}, {{{{ range }}}} or {{{{ with }}}} open");
                        _i++;
                        return (new ListNode(offset, nodes), first);
                    case "if":
                        _i++;
                        nodes.Add(ParseBranch(BranchKind.If, t));
                        continue;
                    case "range":
                        _i++;
                        nodes.Add(ParseBranch(BranchKind.Range, t));
                        continue;
                    case "with":
                        _i++;
                        nodes.Add(ParseBranch(BranchKind.With, t));
                        continue;
                    case "break":
                    case "continue":
                        _i++;
                        if (_rangeDepth == 0) throw Error(first, $"{{{{ {first.Text} }}}} outside {{{{ range }}}}");
                        Expect(TokenKind.RightDelim, $"{{{{ {first.Text} }}}} takes no arguments");
                        nodes.Add(new LoopControlNode(first.Offset, first.Text == "break"));
                        continue;
                    default:
                        throw Error(first, $"{{{{ {first.Text} }}}} is not supported (Ollama templates use one template without define/template/block)");
                }
            }
            var pipe = ParsePipeline(first, allowDecl: true, allowTwoVars: false);
            nodes.Add(new ActionNode(t.Offset, pipe, ActionSource(t)));
        }
    }

    private string ActionSource(Token leftDelim)
    {
        var close = _tokens[_i - 1];
        var end = Math.Min(_src.Length, close.Offset + 2);
        var text = _src[leftDelim.Offset..end];
        return text.Length > 60 ? text[..60] + "…" : text;
    }

    private void Expect(TokenKind kind, string problem)
    {
        var t = Next();
        if (t.Kind != kind) throw Error(t, problem);
    }

    /// <summary>Parses the rest of {{ if|range|with pipeline }} … {{ else … }} … {{ end }} (also "else if" and "else with" chains).</summary>
    private BranchNode ParseBranch(BranchKind kind, Token leftDelim)
    {
        var varMark = _vars.Count;
        var pipe = ParsePipeline(Peek, allowDecl: true, allowTwoVars: kind == BranchKind.Range);
        var source = ActionSource(leftDelim);
        if (kind == BranchKind.Range) _rangeDepth++;
        var (list, terminator) = ParseList(topLevel: false);
        if (kind == BranchKind.Range) _rangeDepth--;
        ListNode? elseList = null;
        if (terminator!.Value.Text == "else")
        {
            // {{ else if … }} and {{ else with … }} nest a new branch that shares this one's {{ end }}.
            if (Peek.Kind == TokenKind.Keyword && (Peek.Text == "if" || Peek.Text == "with") && kind != BranchKind.Range)
            {
                var nestedKind = Peek.Text == "if" ? BranchKind.If : BranchKind.With;
                var at = Next();
                var nested = ParseBranch(nestedKind, at);
                elseList = new ListNode(at.Offset, [nested]);
            }
            else
            {
                Expect(TokenKind.RightDelim, "expected }} after else");
                (elseList, terminator) = ParseList(topLevel: false);
                if (terminator!.Value.Text != "end") throw Error(terminator.Value, "expected {{ end }}; found a second {{ else }}");
                Expect(TokenKind.RightDelim, "expected }} after end");
            }
        }
        else Expect(TokenKind.RightDelim, "expected }} after end");
        _vars.RemoveRange(varMark, _vars.Count - varMark);
        return new BranchNode(leftDelim.Offset, kind, pipe, list, elseList, source);
    }

    private PipeNode ParsePipeline(Token start, bool allowDecl, bool allowTwoVars)
    {
        var decl = new List<string>();
        var isAssign = false;
        // Look ahead for "$x :=", "$x =" or "$i, $e :=".
        if (allowDecl && Peek.Kind == TokenKind.Variable)
        {
            var save = _i;
            var v1 = Next();
            if (Peek.Kind is TokenKind.Declare or TokenKind.Assign)
            {
                isAssign = Next().Kind == TokenKind.Assign;
                decl.Add(v1.Text);
            }
            else if (Peek.Kind == TokenKind.Comma && allowTwoVars)
            {
                _i++;
                var v2 = Next();
                if (v2.Kind != TokenKind.Variable) throw Error(v2, "expected a second variable after the comma in range");
                var op = Next();
                if (op.Kind is not (TokenKind.Declare or TokenKind.Assign)) throw Error(op, "expected := after the range variables");
                isAssign = op.Kind == TokenKind.Assign;
                decl.Add(v1.Text);
                decl.Add(v2.Text);
            }
            else _i = save;
        }
        if (isAssign)
            foreach (var v in decl)
                if (!_vars.Contains(v)) throw Error(start, $"undefined variable \"{v}\"");

        var commands = new List<CommandNode>();
        while (true)
        {
            commands.Add(ParseCommand());
            var t = Next();
            if (t.Kind == TokenKind.Pipe) continue;
            if (t.Kind is TokenKind.RightDelim or TokenKind.RightParen)
            {
                if (t.Kind == TokenKind.RightParen) _i--;
                break;
            }
            throw Error(t, "unexpected token in pipeline");
        }
        if (commands.Count == 0 || commands[0].Args.Count == 0) throw Error(start, "missing value for command");
        // Declared variables come into scope after their pipeline.
        if (!isAssign) _vars.AddRange(decl);
        return new PipeNode(start.Offset, decl, isAssign, commands);
    }

    private CommandNode ParseCommand()
    {
        var start = Peek;
        var args = new List<Node>();
        while (Peek.Kind is not (TokenKind.Pipe or TokenKind.RightDelim or TokenKind.RightParen or TokenKind.Eof))
            args.Add(ParseOperand());
        if (args.Count == 0) throw Error(Peek, "missing value for command");
        if (args[0] is ConstantNode { Value: null } nil) throw Error(nil.Offset, "nil", "nil is not a command");
        for (var a = 1; a < args.Count; a++)
            if (args[a] is ConstantNode { Value: null } && args.Count > 0 && args[0] is not IdentifierNode)
                throw Error(args[a].Offset, "nil", "nil is not a command");
        return new CommandNode(start.Offset, args);
    }

    private Node ParseOperand()
    {
        var t = Next();
        Node node;
        switch (t.Kind)
        {
            case TokenKind.Field:
                return new FieldNode(t.Offset, ReadFields(t.Text));
            case TokenKind.Variable:
                if (!_vars.Contains(t.Text)) throw Error(t, $"undefined variable \"{t.Text}\"");
                return new VariableNode(t.Offset, t.Text, ReadFields(null));
            case TokenKind.Dot:
                if (Peek.Kind == TokenKind.Field && Peek.Offset == t.Offset + 1) throw Error(t, "unexpected . after term");
                return new DotNode(t.Offset);
            case TokenKind.Identifier:
                if (!GoTemplateFunctions.IsDefined(t.Text))
                    throw Error(t, GoTemplateFunctions.IsGoBuiltinWeLack(t.Text)
                        ? $"function \"{t.Text}\" is not supported by Takase's Go templates"
                        : $"function \"{t.Text}\" not defined");
                return new IdentifierNode(t.Offset, t.Text);
            case TokenKind.String:
            case TokenKind.Number:
            case TokenKind.Char:
            case TokenKind.Bool:
                node = new ConstantNode(t.Offset, t.Value, t.Text);
                break;
            case TokenKind.Nil:
                return new ConstantNode(t.Offset, null, "nil");
            case TokenKind.LeftParen:
                {
                    var pipe = ParsePipeline(Peek, allowDecl: false, allowTwoVars: false);
                    Expect(TokenKind.RightParen, "expected )");
                    node = new PipeArgNode(t.Offset, pipe);
                    break;
                }
            case TokenKind.Keyword:
                throw Error(t, $"unexpected keyword \"{t.Text}\" in a pipeline");
            default:
                throw Error(t, "unexpected token in operand");
        }
        var adjacent = Peek.Offset == _tokens[_i - 1].Offset + _tokens[_i - 1].Text.Length;
        if (Peek.Kind == TokenKind.Field && node is PipeArgNode && adjacent)
            return new ChainNode(t.Offset, node, ReadFields(null));
        if (Peek.Kind == TokenKind.Field && adjacent)
            throw Error(Peek, $"unexpected {Peek.Text} after a constant");
        return node;
    }

    /// <summary>Collects a chain of adjacent .Field tokens (the first one may already be consumed).</summary>
    private string[] ReadFields(string? first)
    {
        var fields = new List<string>();
        if (first is not null) fields.Add(first[1..]);
        while (Peek.Kind == TokenKind.Field && Peek.Offset == _tokens[_i - 1].Offset + _tokens[_i - 1].Text.Length)
            fields.Add(Next().Text[1..]);
        return [.. fields];
    }
}

/// <summary>(pipeline) used as an operand.</summary>
internal sealed record PipeArgNode(int Offset, PipeNode Pipe) : Node(Offset);
