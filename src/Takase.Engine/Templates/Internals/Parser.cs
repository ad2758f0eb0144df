namespace Takase.Engine.Templates.Internals;

/// <summary>
/// Recursive-descent parser with jinja2's grammar and precedence (or &lt; and &lt; not &lt; comparisons &lt; + - &lt; ~
/// &lt; * / // % &lt; ** &lt; unary &lt; postfix/filters/tests). Tags jinja2 supports but this engine does not
/// (include, extends, block, import, with, recursive loops, ...) fail here with an Unsupported error naming
/// the construct and the line, never at render time.
/// </summary>
internal sealed class Parser
{
    private static readonly HashSet<string> UnsupportedTags =
        ["block", "extends", "include", "import", "from", "with", "autoescape", "endblock", "endwith", "endautoescape"];

    private readonly List<Token> _tokens;
    private int _i;

    // jinja2 only reports unknown filters/tests at compile time outside "soft" frames (if bodies, inline ifs).
    private bool _soft;
    private int _loopDepth;
    private readonly List<HashSet<string>> _macroNameSets = [];

    // What jinja2 tracks for its "unknown tag" / "unexpected end" messages: open statements and awaited end tags.
    private readonly List<string> _tagStack = [];
    private readonly List<string[]> _endTagStack = [];

    private Parser(List<Token> tokens) => _tokens = tokens;

    public static Stmt[] Parse(string source)
    {
        var parser = new Parser(Lexer.Tokenize(source));
        var body = parser.Subparse([]);
        if (parser.Current.Kind != TokenKind.Eof) throw parser.Fail($"unexpected '{parser.Current.Describe()}'");
        return body;
    }

    // ---- token stream -----------------------------------------------------------------------------------

    private Token Current => _tokens[_i];
    private Token Peek(int n = 1) => _tokens[Math.Min(_i + n, _tokens.Count - 1)];
    private Token Next() => _tokens[_i < _tokens.Count - 1 ? _i++ : _i];

    private TemplateException Fail(string message, int line = 0, TemplateErrorKind kind = TemplateErrorKind.Syntax)
    {
        if (line == 0) line = Current.Line;
        return new TemplateException(kind, message, line);
    }

    private TemplateException Unsupported(string construct, string detail, int line = 0) =>
        Fail($"unsupported construct {construct}: {detail}", line, TemplateErrorKind.Unsupported);

    private Token Expect(TokenKind kind, string? text = null)
    {
        var t = Current;
        if (t.Kind != kind || (text is not null && t.Text != text))
        {
            var wanted = text ?? kind switch
            {
                TokenKind.BlockEnd => "end of statement block",
                TokenKind.VariableEnd => "end of print statement",
                TokenKind.Name => "name",
                _ => kind.ToString().ToLowerInvariant(),
            };
            if (t.Kind == TokenKind.Eof) throw Fail($"unexpected end of template, expected '{wanted}'.");
            throw Fail($"expected token '{wanted}', got '{t.Describe()}'");
        }
        return Next();
    }

    private bool SkipName(string name)
    {
        if (!Current.IsName(name)) return false;
        Next();
        return true;
    }

    private bool SkipOp(string op)
    {
        if (!Current.IsOp(op)) return false;
        Next();
        return true;
    }

    // ---- statements -------------------------------------------------------------------------------------

    private Stmt[] Subparse(string[] endTags)
    {
        if (endTags.Length > 0) _endTagStack.Add(endTags);
        try
        {
            return SubparseBody(endTags);
        }
        finally
        {
            if (endTags.Length > 0) _endTagStack.RemoveAt(_endTagStack.Count - 1);
        }
    }

    private Stmt[] SubparseBody(string[] endTags)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var t = Current;
            switch (t.Kind)
            {
                case TokenKind.Eof:
                    return [.. body];
                case TokenKind.Data:
                    Next();
                    body.Add(new TextStmt(t.Line, t.Text));
                    break;
                case TokenKind.VariableBegin:
                    Next();
                    var expr = ParseTuple();
                    Expect(TokenKind.VariableEnd);
                    body.Add(new PrintStmt(t.Line, expr));
                    break;
                case TokenKind.BlockBegin:
                    Next();
                    if (Current.Kind == TokenKind.Name && endTags.Contains(Current.Text)) return [.. body];
                    body.Add(ParseStatement());
                    Expect(TokenKind.BlockEnd);
                    break;
                default:
                    throw Fail($"unexpected '{t.Describe()}'");
            }
        }
    }

    /// <summary>Parses a tag body up to one of <paramref name="endTags"/>; leaves the end tag's name as current token.</summary>
    private Stmt[] ParseBody(string construct, int line, params string[] endTags)
    {
        SkipOp(":");
        Expect(TokenKind.BlockEnd);
        _endTagStack.Add(endTags);
        try
        {
            var body = SubparseBody(endTags);
            if (Current.Kind == TokenKind.Eof) throw UnknownTag(null, Current.Line);
            return body;
        }
        finally
        {
            _endTagStack.RemoveAt(_endTagStack.Count - 1);
        }
    }

    /// <summary>jinja2's message for an unknown tag (or, with a null name, a missing end tag), naming what it expected.</summary>
    private TemplateException UnknownTag(string? name, int line)
    {
        var message = new List<string> { name is null ? "Unexpected end of template." : $"Encountered unknown tag {PyRepr.Repr(name)}." };
        if (_endTagStack.Count > 0)
        {
            var looking = string.Join(" or ", _endTagStack[^1].Select(PyRepr.Repr));
            if (name is not null && _endTagStack.Any(tags => tags.Contains(name)))
                message.Add($"You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for {looking}.");
            else
                message.Add($"Jinja was looking for the following tags: {looking}.");
        }
        if (_tagStack.Count > 0) message.Add($"The innermost block that needs to be closed is {PyRepr.Repr(_tagStack[^1])}.");
        return Fail(string.Join(" ", message), line);
    }

    private Stmt ParseStatement()
    {
        var t = Current;
        if (t.Kind != TokenKind.Name) throw Fail("tag name expected");
        if (!KnownTags.Contains(t.Text))
        {
            if (UnsupportedTags.Contains(t.Text))
                throw Unsupported($"'{{% {t.Text} %}}'", "chat templates are rendered stand-alone, so template inheritance, includes, imports and scoped blocks are not implemented", t.Line);
            throw UnknownTag(t.Text, t.Line);
        }
        _tagStack.Add(t.Text);
        try
        {
            return ParseKnownStatement(t);
        }
        finally
        {
            _tagStack.RemoveAt(_tagStack.Count - 1);
        }
    }

    private static readonly HashSet<string> KnownTags = ["if", "for", "set", "macro", "call", "filter", "print", "break", "continue", "generation"];

    private Stmt ParseKnownStatement(Token t)
    {
        switch (t.Text)
        {
            case "if":
                return ParseIf();
            case "for":
                return ParseFor();
            case "set":
                return ParseSet();
            case "macro":
                return ParseMacro();
            case "call":
                return ParseCallBlock();
            case "filter":
                return ParseFilterBlock();
            case "print":
                Next();
                var parts = new List<Stmt>();
                do parts.Add(new PrintStmt(t.Line, ParseExpression()));
                while (SkipOp(","));
                return new SequenceStmt(t.Line, [.. parts]);
            case "break" or "continue":
                Next();
                if (_loopDepth == 0) throw Fail($"'{t.Text}' outside loop", t.Line);
                return t.Text == "break" ? new BreakStmt(t.Line) : new ContinueStmt(t.Line);
            default:
                return ParseGeneration();
        }
    }

    private T WithFrame<T>(bool soft, bool resetLoops, Func<T> parse)
    {
        var (oldSoft, oldLoops) = (_soft, _loopDepth);
        _soft = soft;
        if (resetLoops) _loopDepth = 0;
        try
        {
            return parse();
        }
        finally
        {
            (_soft, _loopDepth) = (oldSoft, oldLoops);
        }
    }

    private Stmt ParseIf()
    {
        var line = Next().Line;
        return WithFrame(soft: true, resetLoops: false, () =>
        {
            var branches = new List<(Expr, Stmt[])>();
            Stmt[] otherwise = [];
            while (true)
            {
                var test = ParseTuple(withCondExpr: false);
                var body = ParseBody("if", line, "elif", "else", "endif");
                var tag = Next();
                branches.Add((test, body));
                if (tag.Text == "elif") continue;
                if (tag.Text == "else")
                {
                    otherwise = ParseBody("if", line, "endif");
                    Next();
                }
                break;
            }
            return new IfStmt(line, [.. branches], otherwise);
        });
    }

    private Stmt ParseFor()
    {
        var line = Next().Line;
        var target = ParseAssignTarget(withNamespace: false, endNames: ["in"]);
        Expect(TokenKind.Name, "in");
        var iterable = ParseTuple(withCondExpr: false, endNames: ["recursive"]);
        return WithFrame(soft: false, resetLoops: false, () =>
        {
            Expr? test = null;
            if (SkipName("if")) test = ParseExpression();
            if (Current.IsName("recursive")) throw Unsupported("'recursive'", "recursive for-loops are not implemented", line);
            _loopDepth++;
            var body = ParseBody("for", line, "endfor", "else");
            _loopDepth--;
            Stmt[] otherwise = [];
            if (Next().Text == "else")
            {
                otherwise = ParseBody("for", line, "endfor");
                Next();
            }
            return new ForStmt(line, target, iterable, test, body, otherwise);
        });
    }

    private Stmt ParseSet()
    {
        var line = Next().Line;
        var target = ParseAssignTarget(withNamespace: true, endNames: []);
        if (SkipOp("="))
        {
            var value = ParseTuple();
            return new SetStmt(line, target, value);
        }
        return WithFrame(soft: false, resetLoops: false, () =>
        {
            var filter = Current.IsOp("|") ? (FilterExpr)ParseFilter(null, startInline: false)! : null;
            var body = ParseBody("set", line, "endset");
            Next();
            return new SetBlockStmt(line, target, filter, body);
        });
    }

    private Stmt ParseMacro()
    {
        var line = Next().Line;
        var name = Expect(TokenKind.Name).Text;
        var (parameters, defaults) = ParseSignature();
        var def = ParseMacroBody(name, parameters, defaults, "macro", line, "endmacro");
        return new MacroStmt(line, def);
    }

    private MacroDef ParseMacroBody(string name, string[] parameters, Expr?[] defaults, string construct, int line, string endTag)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        _macroNameSets.Add(names);
        try
        {
            var body = WithFrame(soft: false, resetLoops: true, () =>
            {
                var b = ParseBody(construct, line, endTag);
                Next();
                return b;
            });
            return new MacroDef(name, parameters, defaults, body,
                names.Contains("varargs"), names.Contains("kwargs"), names.Contains("caller"));
        }
        finally
        {
            _macroNameSets.Remove(names);
        }
    }

    private (string[] Names, Expr?[] Defaults) ParseSignature()
    {
        var names = new List<string>();
        var defaults = new List<Expr?>();
        Expect(TokenKind.Operator, "(");
        while (!Current.IsOp(")"))
        {
            if (names.Count > 0) Expect(TokenKind.Operator, ",");
            var name = Expect(TokenKind.Name).Text;
            if (SkipOp("=")) defaults.Add(WithFrame(soft: false, resetLoops: false, () => ParseExpression()));
            else if (defaults.Any(d => d is not null)) throw Fail("non-default argument follows default argument");
            else defaults.Add(null);
            names.Add(name);
        }
        Expect(TokenKind.Operator, ")");
        return ([.. names], [.. defaults]);
    }

    private Stmt ParseCallBlock()
    {
        var line = Next().Line;
        string[] parameters = [];
        Expr?[] defaults = [];
        if (Current.IsOp("(")) (parameters, defaults) = ParseSignature();
        var call = ParseExpression() as CallExpr ?? throw Fail("expected call", line);
        var def = ParseMacroBody("caller", parameters, defaults, "call", line, "endcall");
        return new CallBlockStmt(line, call, def);
    }

    private Stmt ParseFilterBlock()
    {
        var line = Next().Line;
        return WithFrame(soft: false, resetLoops: false, () =>
        {
            var filter = (FilterExpr)ParseFilter(null, startInline: true)!;
            var body = ParseBody("filter", line, "endfilter");
            Next();
            return new FilterBlockStmt(line, filter, body);
        });
    }

    private Stmt ParseGeneration()
    {
        var line = Next().Line;
        var def = ParseMacroBody("generation", [], [], "generation", line, "endgeneration");
        return new GenerationStmt(line, def.Body);
    }

    /// <summary>Names, tuples of names and (for set) ns.attr references.</summary>
    private Target ParseAssignTarget(bool withNamespace, string[] endNames)
    {
        var items = new List<Target>();
        var isTuple = false;
        while (true)
        {
            if (items.Count > 0) Expect(TokenKind.Operator, ",");
            if (IsTupleEnd(endNames) || Current.IsOp("=") || Current.IsOp("|")) break;
            items.Add(ParseTargetPrimary(withNamespace));
            if (Current.IsOp(",")) isTuple = true;
            else break;
        }
        if (items.Count == 0) throw Fail($"Expected an expression, got '{Current.Describe()}'");
        return isTuple ? new TupleTarget([.. items]) : items[0];
    }

    private Target ParseTargetPrimary(bool withNamespace)
    {
        var t = Current;
        if (t.IsOp("("))
        {
            Next();
            var inner = ParseAssignTarget(withNamespace, []);
            Expect(TokenKind.Operator, ")");
            return inner;
        }
        if (t.Kind != TokenKind.Name) throw Fail($"can't assign to '{t.Describe()}'");
        if (t.Text is "true" or "false" or "none" or "True" or "False" or "None") throw Fail("can't assign to 'const'");
        Next();
        if (withNamespace && Current.IsOp("."))
        {
            Next();
            var attr = Expect(TokenKind.Name).Text;
            return new NamespaceTarget(t.Text, attr);
        }
        return new NameTarget(t.Text);
    }

    private bool IsTupleEnd(string[] endNames)
    {
        var t = Current;
        if (t.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd || t.IsOp(")")) return true;
        return t.Kind == TokenKind.Name && endNames.Contains(t.Text);
    }

    // ---- expressions ------------------------------------------------------------------------------------

    private Expr ParseTuple(bool withCondExpr = true, string[]? endNames = null, bool explicitParentheses = false)
    {
        var line = Current.Line;
        var items = new List<Expr>();
        var isTuple = false;
        while (true)
        {
            if (items.Count > 0) Expect(TokenKind.Operator, ",");
            if (IsTupleEnd(endNames ?? [])) break;
            items.Add(ParseExpression(withCondExpr));
            if (Current.IsOp(",")) isTuple = true;
            else break;
        }
        if (!isTuple)
        {
            if (items.Count > 0) return items[0];
            if (!explicitParentheses) throw Fail($"Expected an expression, got '{Current.Describe()}'");
        }
        return new TupleExpr(line, [.. items]);
    }

    private Expr ParseExpression(bool withCondExpr = true) => withCondExpr ? ParseCondExpr() : ParseOr();

    private Expr ParseCondExpr()
    {
        var line = Current.Line;
        var expr = ParseOr();
        while (Current.IsName("if"))
        {
            Next();
            var (test, otherwise) = WithFrame(soft: true, resetLoops: false, () =>
            {
                var t = ParseOr();
                Expr? o = SkipName("else") ? ParseCondExpr() : null;
                return (t, o);
            });
            expr = new CondExpr(line, test, expr, otherwise);
        }
        return expr;
    }

    private Expr ParseOr()
    {
        var line = Current.Line;
        var left = ParseAnd();
        while (SkipName("or")) left = new OrExpr(line, left, ParseAnd());
        return left;
    }

    private Expr ParseAnd()
    {
        var line = Current.Line;
        var left = ParseNot();
        while (SkipName("and")) left = new AndExpr(line, left, ParseNot());
        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsName("not"))
        {
            var line = Next().Line;
            return new NotExpr(line, ParseNot());
        }
        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        var line = Current.Line;
        var expr = ParseMath1();
        var ops = new List<(string, Expr)>();
        while (true)
        {
            var t = Current;
            if (t.Kind == TokenKind.Operator && t.Text is "==" or "!=" or "<" or "<=" or ">" or ">=")
            {
                Next();
                ops.Add((t.Text, ParseMath1()));
            }
            else if (t.IsName("in"))
            {
                Next();
                ops.Add(("in", ParseMath1()));
            }
            else if (t.IsName("not") && Peek().IsName("in"))
            {
                Next();
                Next();
                ops.Add(("notin", ParseMath1()));
            }
            else break;
        }
        return ops.Count == 0 ? expr : new CompareExpr(line, expr, [.. ops]);
    }

    private Expr ParseMath1()
    {
        var line = Current.Line;
        var left = ParseConcat();
        while (Current.IsOp("+") || Current.IsOp("-"))
        {
            var op = Next().Text == "+" ? BinaryOp.Add : BinaryOp.Sub;
            left = new BinaryExpr(line, op, left, ParseConcat());
        }
        return left;
    }

    private Expr ParseConcat()
    {
        var line = Current.Line;
        var parts = new List<Expr> { ParseMath2() };
        while (SkipOp("~")) parts.Add(ParseMath2());
        return parts.Count == 1 ? parts[0] : new ConcatExpr(line, [.. parts]);
    }

    private Expr ParseMath2()
    {
        var line = Current.Line;
        var left = ParsePow();
        while (Current.Kind == TokenKind.Operator && Current.Text is "*" or "/" or "//" or "%")
        {
            var op = Next().Text switch { "*" => BinaryOp.Mul, "/" => BinaryOp.Div, "//" => BinaryOp.FloorDiv, _ => BinaryOp.Mod };
            left = new BinaryExpr(line, op, left, ParsePow());
        }
        return left;
    }

    private Expr ParsePow()
    {
        var line = Current.Line;
        var left = ParseUnary();
        while (SkipOp("**")) left = new BinaryExpr(line, BinaryOp.Pow, left, ParseUnary());
        return left;
    }

    private Expr ParseUnary(bool withFilter = true)
    {
        var t = Current;
        Expr node;
        if (t.IsOp("-") || t.IsOp("+"))
        {
            Next();
            node = new NegExpr(t.Line, ParseUnary(false), negate: t.Text == "-");
        }
        else node = ParsePrimary();
        node = ParsePostfix(node);
        if (withFilter) node = ParseFilterExpr(node);
        return node;
    }

    private Expr ParsePrimary()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.Name:
                Next();
                switch (t.Text)
                {
                    case "true" or "True":
                        return new ConstExpr(t.Line, true);
                    case "false" or "False":
                        return new ConstExpr(t.Line, false);
                    case "none" or "None":
                        return new ConstExpr(t.Line, null);
                }
                foreach (var set in _macroNameSets) set.Add(t.Text);
                return new NameExpr(t.Line, t.Text);
            case TokenKind.String:
                Next();
                var text = (string)t.Value!;
                // Adjacent string literals concatenate, as in Python.
                while (Current.Kind == TokenKind.String) text += (string)Next().Value!;
                return new ConstExpr(t.Line, text);
            case TokenKind.Integer or TokenKind.Float:
                Next();
                return new ConstExpr(t.Line, t.Value);
            case TokenKind.Operator when t.Text == "(":
                Next();
                var inner = ParseTuple(explicitParentheses: true);
                Expect(TokenKind.Operator, ")");
                return inner;
            case TokenKind.Operator when t.Text == "[":
                return ParseList();
            case TokenKind.Operator when t.Text == "{":
                return ParseDict();
        }
        throw Fail($"unexpected '{t.Describe()}'");
    }

    private Expr ParseList()
    {
        var line = Next().Line;
        var items = new List<Expr>();
        while (!Current.IsOp("]"))
        {
            if (items.Count > 0) Expect(TokenKind.Operator, ",");
            if (Current.IsOp("]")) break;
            items.Add(ParseExpression());
        }
        Expect(TokenKind.Operator, "]");
        return new ListExpr(line, [.. items]);
    }

    private Expr ParseDict()
    {
        var line = Next().Line;
        var pairs = new List<(Expr, Expr)>();
        while (!Current.IsOp("}"))
        {
            if (pairs.Count > 0) Expect(TokenKind.Operator, ",");
            if (Current.IsOp("}")) break;
            var key = ParseExpression();
            Expect(TokenKind.Operator, ":");
            pairs.Add((key, ParseExpression()));
        }
        Expect(TokenKind.Operator, "}");
        return new DictExpr(line, [.. pairs]);
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            if (Current.IsOp(".") || Current.IsOp("[")) node = ParseSubscript(node);
            else if (Current.IsOp("(")) node = new CallExpr(Current.Line, node, ParseCallArgs());
            else return node;
        }
    }

    private Expr ParseFilterExpr(Expr node)
    {
        while (true)
        {
            if (Current.IsOp("|")) node = ParseFilter(node, startInline: false)!;
            else if (Current.IsName("is")) node = ParseTest(node);
            else if (Current.IsOp("(")) node = new CallExpr(Current.Line, node, ParseCallArgs());
            else return node;
        }
    }

    private Expr ParseSubscript(Expr node)
    {
        var t = Next();
        if (t.IsOp("."))
        {
            var attr = Next();
            if (attr.Kind == TokenKind.Name) return new GetAttrExpr(t.Line, node, attr.Text);
            if (attr.Kind != TokenKind.Integer) throw Fail("expected name or number", attr.Line);
            return new GetItemExpr(t.Line, node, new ConstExpr(attr.Line, attr.Value));
        }
        var args = new List<Expr>();
        while (!Current.IsOp("]"))
        {
            if (args.Count > 0) Expect(TokenKind.Operator, ",");
            args.Add(ParseSubscribed());
        }
        Expect(TokenKind.Operator, "]");
        return new GetItemExpr(t.Line, node, args.Count == 1 ? args[0] : new TupleExpr(t.Line, [.. args]));
    }

    private Expr ParseSubscribed()
    {
        var line = Current.Line;
        Expr? start = null;
        if (!Current.IsOp(":"))
        {
            var expr = ParseExpression();
            if (!Current.IsOp(":")) return expr;
            start = expr;
        }
        Next(); // ':'
        Expr? stop = null, step = null;
        if (!Current.IsOp(":") && !Current.IsOp("]") && !Current.IsOp(",")) stop = ParseExpression();
        if (SkipOp(":") && !Current.IsOp("]") && !Current.IsOp(",")) step = ParseExpression();
        return new SliceExpr(line, start, stop, step);
    }

    private ArgList ParseCallArgs()
    {
        var open = Expect(TokenKind.Operator, "(");
        var args = new List<Expr>();
        var kwargs = new List<(string, Expr)>();
        Expr? dynArgs = null, dynKwargs = null;
        var requireComma = false;
        while (!Current.IsOp(")"))
        {
            if (requireComma)
            {
                Expect(TokenKind.Operator, ",");
                if (Current.IsOp(")")) break;
            }
            if (SkipOp("*"))
            {
                if (dynArgs is not null || dynKwargs is not null) throw Fail("invalid syntax for function call expression", open.Line);
                dynArgs = ParseExpression();
            }
            else if (SkipOp("**"))
            {
                if (dynKwargs is not null) throw Fail("invalid syntax for function call expression", open.Line);
                dynKwargs = ParseExpression();
            }
            else if (Current.Kind == TokenKind.Name && Peek().IsOp("="))
            {
                if (dynKwargs is not null) throw Fail("invalid syntax for function call expression", open.Line);
                var key = Next().Text;
                Next();
                kwargs.Add((key, ParseExpression()));
            }
            else
            {
                if (dynArgs is not null || dynKwargs is not null || kwargs.Count > 0)
                    throw Fail("invalid syntax for function call expression", open.Line);
                args.Add(ParseExpression());
            }
            requireComma = true;
        }
        Expect(TokenKind.Operator, ")");
        return new ArgList([.. args], [.. kwargs], dynArgs, dynKwargs);
    }

    private Expr? ParseFilter(Expr? node, bool startInline)
    {
        while (Current.IsOp("|") || startInline)
        {
            if (!startInline) Next();
            startInline = false;
            var nameToken = Expect(TokenKind.Name);
            var name = nameToken.Text;
            while (SkipOp(".")) name += "." + Expect(TokenKind.Name).Text;
            var args = Current.IsOp("(") ? ParseCallArgs() : ArgList.Empty;
            var fn = Filters.Lookup(name);
            if (fn is null)
            {
                if (Filters.JinjaOnly.Contains(name))
                    throw Unsupported($"filter '{name}'", "this jinja2 filter is not implemented by Takase's template engine", nameToken.Line);
                if (!_soft) throw Fail($"No filter named {PyRepr.Repr(name)}.", nameToken.Line, TemplateErrorKind.Assertion);
            }
            node = new FilterExpr(nameToken.Line, node, name, fn, args);
        }
        return node;
    }

    private Expr ParseTest(Expr node)
    {
        var isToken = Next();
        var negated = SkipName("not");
        var nameToken = Expect(TokenKind.Name);
        var name = nameToken.Text;
        while (SkipOp(".")) name += "." + Expect(TokenKind.Name).Text;
        ArgList args;
        var t = Current;
        if (t.IsOp("(")) args = ParseCallArgs();
        else if ((t.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float || t.IsOp("[") || t.IsOp("{"))
                 && !(t.IsName("else") || t.IsName("or") || t.IsName("and")))
        {
            if (t.IsName("is")) throw Fail("You cannot chain multiple tests with is");
            var arg = ParsePostfix(ParsePrimary());
            args = new ArgList([arg], [], null, null);
        }
        else args = ArgList.Empty;
        var fn = IsTests.Lookup(name);
        if (fn is null && !_soft) throw Fail($"No test named {PyRepr.Repr(name)}.", nameToken.Line, TemplateErrorKind.Assertion);
        Expr result = new TestExpr(isToken.Line, node, name, fn, args);
        return negated ? new NotExpr(isToken.Line, result) : result;
    }
}
