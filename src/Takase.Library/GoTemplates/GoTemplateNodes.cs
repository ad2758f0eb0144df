namespace Takase.Library.GoTemplates;

/// <summary>A node of a parsed Go template; Offset points into the template text (for errors).</summary>
internal abstract record Node(int Offset);

/// <summary>A sequence of nodes (a template body, an if branch …).</summary>
internal sealed record ListNode(int Offset, List<Node> Nodes) : Node(Offset);

/// <summary>Literal text, printed as is.</summary>
internal sealed record TextNode(int Offset, string Text) : Node(Offset);

/// <summary>{{ pipeline }}: prints the value unless the pipeline declares variables.</summary>
internal sealed record ActionNode(int Offset, PipeNode Pipe, string Source) : Node(Offset);

/// <summary>{{ if }}, {{ range }} or {{ with }} with its body and optional else body.</summary>
internal sealed record BranchNode(int Offset, BranchKind Kind, PipeNode Pipe, ListNode List, ListNode? ElseList, string Source) : Node(Offset);

internal enum BranchKind { If, Range, With }

/// <summary>{{ break }} or {{ continue }} inside a range.</summary>
internal sealed record LoopControlNode(int Offset, bool IsBreak) : Node(Offset);

/// <summary>A pipeline: optional declared/assigned variables, then commands joined by |.</summary>
internal sealed record PipeNode(int Offset, List<string> Decl, bool IsAssign, List<CommandNode> Commands) : Node(Offset);

/// <summary>One command of a pipeline: a function name or operand followed by arguments.</summary>
internal sealed record CommandNode(int Offset, List<Node> Args) : Node(Offset);

/// <summary>.A.B: fields of dot.</summary>
internal sealed record FieldNode(int Offset, string[] Ident) : Node(Offset);

/// <summary>$x.A.B: a variable and optional fields ($ alone is the data the template was run with).</summary>
internal sealed record VariableNode(int Offset, string Name, string[] Fields) : Node(Offset);

/// <summary>(pipeline).A.B: fields of a parenthesized result.</summary>
internal sealed record ChainNode(int Offset, Node Target, string[] Fields) : Node(Offset);

/// <summary>The cursor: ".".</summary>
internal sealed record DotNode(int Offset) : Node(Offset);

/// <summary>A function name (eq, len, json …).</summary>
internal sealed record IdentifierNode(int Offset, string Name) : Node(Offset);

/// <summary>A constant: string, long (ints and chars), double, bool, or null for nil.</summary>
internal sealed record ConstantNode(int Offset, object? Value, string Source) : Node(Offset);
