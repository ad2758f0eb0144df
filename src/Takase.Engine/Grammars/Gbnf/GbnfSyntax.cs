namespace Takase.Engine.Grammars.Gbnf;

// The parsed form of a GBNF grammar, before rules are numbered and repetitions expanded. Offsets point into the
// source text so later errors (undefined rule, left recursion) can name a line and column.

/// <summary><c>name ::= body</c>, defined at <paramref name="Offset"/>.</summary>
internal sealed record GbnfRule(string Name, GbnfAlternatives Body, int Offset);

/// <summary>Sequences separated by <c>|</c>; an empty sequence matches the empty string.</summary>
internal sealed record GbnfAlternatives(IReadOnlyList<GbnfSequence> Options);

/// <summary>Items matched one after another.</summary>
internal sealed record GbnfSequence(IReadOnlyList<GbnfItem> Items);

internal abstract record GbnfItem;

/// <summary>One code point from a set: a character class <c>[a-z]</c> or <c>.</c>.</summary>
internal sealed record GbnfCharClass(CodePointSet Set) : GbnfItem;

/// <summary>A string literal: these code points in order.</summary>
internal sealed record GbnfLiteral(int[] CodePoints) : GbnfItem;

/// <summary>A reference to the rule <paramref name="Name"/>, written at <paramref name="Offset"/>.</summary>
internal sealed record GbnfRuleRef(string Name, int Offset) : GbnfItem;

/// <summary>A parenthesised group.</summary>
internal sealed record GbnfGroup(GbnfAlternatives Body) : GbnfItem;

/// <summary><paramref name="Item"/> repeated <paramref name="Min"/> to <paramref name="Max"/> times (null: unbounded).</summary>
internal sealed record GbnfRepeat(GbnfItem Item, int Min, int? Max) : GbnfItem;
