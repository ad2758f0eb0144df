using Takase.Engine.Grammars;

namespace Takase.Engine.Tests.Grammars;

public class GbnfParsingTests
{
    /// <summary>llama.cpp's grammars/arithmetic.gbnf.</summary>
    internal const string Arithmetic = """
        root  ::= (expr "=" ws term "\n")+
        expr  ::= term ([-+*/] term)*
        term  ::= ident | num | "(" ws expr ")" ws
        ident ::= [a-z] [a-z0-9_]* ws
        num   ::= [0-9]+ ws
        ws    ::= [ \t\n]*
        """;

    /// <summary>llama.cpp's grammars/json.gbnf (an object at the top).</summary>
    internal const string LlamaCppJson = """
        root   ::= object
        value  ::= object | array | string | number | ("true" | "false" | "null") ws

        object ::=
          "{" ws (
                    string ":" ws value
            ("," ws string ":" ws value)*
          )? "}" ws

        array  ::=
          "[" ws (
                    value
            ("," ws value)*
          )? "]" ws

        string ::=
          "\"" (
            [^"\\\x7F\x00-\x1F] |
            "\\" (["\\bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
          )* "\"" ws

        number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws

        # Optional space: by convention, applied in this grammar after literal chars when allowed
        ws ::= | " " | "\n" [ \t]{0,20}
        """;

    [Fact]
    public void ReadsLlamaCppSampleGrammars()
    {
        var arithmetic = Grammar.Parse(Arithmetic);
        Assert.True(GrammarMatcher.Matches(arithmetic, "a+b=c\n(x *2) = 14\n"));
        Assert.False(GrammarMatcher.Matches(arithmetic, "a+=c\n"));

        var json = Grammar.Parse(LlamaCppJson);
        Assert.True(GrammarMatcher.Matches(json, """{"a": [1, 2.5, -3e5, "x\"y", true, null, {}], "b": {"c": "\u00e9"}}"""));
        Assert.False(GrammarMatcher.Matches(json, """{"a": 3e10}"""));   // that grammar's exponent cannot hold a 0 after its first digit
        Assert.False(GrammarMatcher.Matches(json, "[1, 2]"));   // root is an object
        Assert.Equal("root", json.RootRule);
    }

    [Fact]
    public void CommentsNewlinesAndContinuations()
    {
        var grammar = Grammar.Parse("# leading comment\r\n\r\nroot ::= a |   # a comment after '|'\r\n    b\r\na ::= \"a\" # trailing\r\nb ::= (\r\n  \"b\"\r\n  \"c\"\r\n)\r\n");
        Assert.True(GrammarMatcher.Matches(grammar, "a"));
        Assert.True(GrammarMatcher.Matches(grammar, "bc"));
        Assert.False(GrammarMatcher.Matches(grammar, "b"));
    }

    [Fact]
    public void NamesWithDashesUnderscoresAndDigits_AndAnotherRoot()
    {
        var grammar = Grammar.Parse("start ::= check-mate_2\ncheck-mate_2 ::= \"#\"", rootRule: "start");
        Assert.True(GrammarMatcher.Matches(grammar, "#"));
        Assert.Equal(2, grammar.RuleCount);
    }

    [Fact]
    public void EscapesInLiteralsAndClasses()
    {
        var grammar = Grammar.Parse("""root ::= "\x41\u00e9\U0001F600\t\n\r\\\"\[\]" [\x30-\x39] [\u3041-\u3096] [\]\[]""");
        Assert.True(GrammarMatcher.Matches(grammar, "Aé😀\t\n\r\\\"[]5ぁ]"));
        Assert.True(GrammarMatcher.Matches(grammar, "Aé😀\t\n\r\\\"[]0ゖ["));
        Assert.False(GrammarMatcher.Matches(grammar, "Aé😀\t\n\r\\\"[]aぁ]"));
    }

    [Theory]
    [InlineData("root ::= \"abc", 1, 10, "unterminated string literal")]
    [InlineData("root ::= [a-z", 1, 10, "unterminated character class")]
    [InlineData("root ::= foo", 1, 10, "refers to 'foo', which is not defined")]
    [InlineData("root = \"a\"", 1, 6, "expected '::='")]
    [InlineData("root ::= (\"a\" \"b\"\n", 2, 1, "expected ')'")]
    [InlineData("root ::= \"a\"{3,1}", 1, 13, "maximum below its minimum")]
    [InlineData("root ::= \"a\"{x}", 1, 14, "expected a number")]
    [InlineData("root ::= \"a\"{2", 1, 15, "expected '}'")]
    [InlineData("root ::= \"\\q\"", 1, 11, "unknown escape '\\q'")]
    [InlineData("root ::= \"\\x4\"", 1, 14, "expected 2 hex digits")]
    [InlineData("root ::= \"\\U00110000\"", 1, 11, "beyond the last Unicode code point")]
    [InlineData("root ::= [z-a]", 1, 11, "reversed")]
    [InlineData("root ::= * \"a\"", 1, 10, "must follow an item")]
    [InlineData("root ::= \"a\"\nroot ::= \"b\"", 2, 1, "defined twice (first on line 1)")]
    [InlineData("root ::= \"a\" ) \"b\"", 1, 14, "expected the end of rule 'root'")]
    [InlineData("root ::= <|tool|>", 1, 10, "token references")]
    [InlineData("root ::= \"a\"{100001}", 1, 14, "larger than the limit")]
    [InlineData("\n\n  ::= \"a\"", 3, 3, "expected a rule name")]
    public void SyntaxErrorsNameLineColumnAndWhatWasExpected(string gbnf, int line, int column, string message)
    {
        var error = Assert.Throws<GrammarException>(() => Grammar.Parse(gbnf));
        Assert.Contains(message, error.Message);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains($"(line {line}, column {column})", error.Message);
    }

    [Theory]
    [InlineData("expr ::= expr \"+\" term | term\nterm ::= [0-9]\nroot ::= expr", "rule 'expr' is left-recursive")]
    [InlineData("root ::= a\na ::= b c\nb ::= \"x\"?\nc ::= a \"y\" | \"z\"", "left-recursive")]
    [InlineData("root ::= (\" \"? root) \"x\" | \"y\"", "rule 'root' is left-recursive")]
    [InlineData("root ::= \"<\" (\"a\"*)* \">\"", "rule 'root' repeats something that can match the empty text")]
    [InlineData("root ::= x\nx ::= (\" \"?)+", "rule 'x' repeats something that can match the empty text")]
    [InlineData("a ::= \"x\"", "no rule named 'root'")]
    [InlineData("root ::= \"a\" root", "can never finish")]
    [InlineData("root ::= \"a\" [^\\x00-\\U0010FFFF]", "can never finish")]
    [InlineData("root ::= \"a\"{0,100000} \"b\"{0,100000} \"c\"{0,100000} \"d\"{0,100000} \"e\"{0,100000} \"f\"{0,100000}", "expands to more than")]
    [InlineData("", "has no rules")]
    public void GrammarsThatCannotWorkAreRefusedWithAReason(string gbnf, string message)
    {
        var error = Assert.Throws<GrammarException>(() => Grammar.Parse(gbnf));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void LeftRecursionErrorPointsAtTheRule()
    {
        var error = Assert.Throws<GrammarException>(() => Grammar.Parse("root ::= list\nlist ::= list \",\" item | item\nitem ::= [a-z]"));
        Assert.Equal(2, error.Line);
        Assert.Contains("list → list", error.Message);
    }

    [Fact]
    public void UnfinishableAlternativesAreDroppedButTheRestWorks()
    {
        // 'loop' never ends, so only "b" remains for root.
        var grammar = Grammar.Parse("root ::= \"a\" loop | \"b\"\nloop ::= \"x\" loop");
        Assert.True(GrammarMatcher.Matches(grammar, "b"));
        Assert.False(grammar.CreateMatcher().CanAccept("a"));
    }

    [Fact]
    public void EmptyAlternativesAndGroups()
    {
        var grammar = Grammar.Parse("root ::= \"<\" opt () \">\"\nopt ::= | \"x\"");
        Assert.True(GrammarMatcher.Matches(grammar, "<>"));
        Assert.True(GrammarMatcher.Matches(grammar, "<x>"));
        Assert.False(GrammarMatcher.Matches(grammar, "<xx>"));
    }
}
