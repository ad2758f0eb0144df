using Takase.Engine.Grammars.Compilation;
using Takase.Engine.Grammars.Gbnf;

namespace Takase.Engine.Grammars;

/// <summary>
/// A context-free grammar over Unicode code points, written in GBNF (llama.cpp's grammar language), that generated
/// text must follow. Parse it once and create a <see cref="GrammarMatcher"/> (or a <see cref="GrammarConstraint"/>)
/// per generation. Immutable and safe to share between threads.
/// </summary>
/// <example>
/// <code>
/// var grammar = Grammar.Parse("""
///     root ::= answer ("," " "? answer)*
///     answer ::= "yes" | "no"
///     """);
/// </code>
/// </example>
public sealed class Grammar
{
    private Grammar(string source, string rootRule, GrammarProgram program)
    {
        Source = source;
        RootRule = rootRule;
        Program = program;
    }

    /// <summary>The GBNF text the grammar was built from.</summary>
    public string Source { get; }

    /// <summary>The rule the whole text must match.</summary>
    public string RootRule { get; }

    /// <summary>Number of rules after groups and repetitions were expanded into helper rules.</summary>
    public int RuleCount => Program.RuleNames.Length;

    internal GrammarProgram Program { get; }

    /// <summary>Parses GBNF <paramref name="gbnf"/>; matching starts at the rule named <paramref name="rootRule"/>.</summary>
    /// <exception cref="GrammarException">The text is not valid GBNF (the message names the line, column and what was
    /// expected), or a rule is undefined, defined twice, left-recursive, can never finish, or expands too far.</exception>
    public static Grammar Parse(string gbnf, string rootRule = "root")
    {
        ArgumentNullException.ThrowIfNull(gbnf);
        ArgumentException.ThrowIfNullOrEmpty(rootRule);
        var rules = GbnfParser.Parse(gbnf);
        return new Grammar(gbnf, rootRule, GrammarCompiler.Compile(gbnf, rules, rootRule));
    }

    /// <summary>A matcher at the start of the grammar, for one text at a time.</summary>
    public GrammarMatcher CreateMatcher() => new(this);

    /// <summary>The GBNF source.</summary>
    public override string ToString() => Source;
}
