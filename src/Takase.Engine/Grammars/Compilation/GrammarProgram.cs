namespace Takase.Engine.Grammars.Compilation;

/// <summary>What one slot of a <see cref="GrammarProgram"/> holds.</summary>
internal enum ElementKind : byte
{
    /// <summary>The end of an alternative.</summary>
    End,

    /// <summary>One code point from <see cref="GrammarProgram.Sets"/>[Value].</summary>
    Chars,

    /// <summary>The rule numbered Value.</summary>
    Rule,
}

/// <summary>One slot of a compiled alternative.</summary>
internal readonly record struct GrammarElement(ElementKind Kind, int Value);

/// <summary>
/// A grammar ready to match, in llama.cpp's flat layout: every alternative of every rule is a run of elements
/// (character sets and rule references) closed by an End element, all in one array, so a parse position is just an
/// index. Repetitions are already expanded into helper rules, rules that can never finish are removed, and left
/// recursion has been refused, so expanding rule references always terminates.
/// </summary>
internal sealed class GrammarProgram
{
    public GrammarProgram(GrammarElement[] elements, int[][] alternatives, string[] ruleNames, CodePointSet[] sets,
        int rootRule, int[] minBytesFrom)
    {
        Elements = elements;
        Alternatives = alternatives;
        RuleNames = ruleNames;
        Sets = sets;
        RootRule = rootRule;
        MinBytesFrom = minBytesFrom;
    }

    /// <summary>All alternatives, back to back, each closed by an End element.</summary>
    public GrammarElement[] Elements { get; }

    /// <summary>Rule number → index in <see cref="Elements"/> where each of its alternatives starts.</summary>
    public int[][] Alternatives { get; }

    /// <summary>Rule number → name (helper rules made for groups and repetitions are named after their rule).</summary>
    public string[] RuleNames { get; }

    /// <summary>The distinct character sets the elements refer to.</summary>
    public CodePointSet[] Sets { get; }

    /// <summary>The rule a whole text must match.</summary>
    public int RootRule { get; }

    /// <summary>Position → the fewest UTF-8 bytes that finish its alternative from there (0 at End).</summary>
    public int[] MinBytesFrom { get; }
}
