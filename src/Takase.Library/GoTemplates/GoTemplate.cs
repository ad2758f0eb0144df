using System.Text;

namespace Takase.Library.GoTemplates;

/// <summary>
/// A parsed Go text/template in the subset Ollama's TEMPLATE lines use: text and <c>{{ }}</c> actions with <c>{{-</c>/<c>-}}</c>
/// trimming and comments, fields (<c>.Messages</c>, <c>.Function.Name</c>), variables (<c>$</c>, <c>$i, $m := range …</c>,
/// <c>$x = …</c>), if/else if/else, range (else, break, continue), with, pipelines, and the functions and/or/not/eq/ne/lt/le/
/// gt/ge/len/index/slice/print/printf/println/json. Parse once, execute many times (thread-safe).
/// </summary>
public sealed class GoTemplate
{
    private readonly ListNode _root;

    private GoTemplate(string source, ListNode root)
    {
        Source = source;
        _root = root;
    }

    /// <summary>The template text.</summary>
    public string Source { get; }

    /// <summary>Parses template text.</summary>
    /// <exception cref="GoTemplateException">Syntax error or unsupported construct, with its line and column.</exception>
    public static GoTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new GoTemplate(source, GoTemplateParser.Parse(source));
    }

    /// <summary>
    /// Renders the template with <paramref name="data"/> as dot and $. Data is a map (<see cref="IReadOnlyDictionary{TKey,TValue}"/>:
    /// a missing key is nil and prints "&lt;no value&gt;", as Ollama's map data with missingkey=zero does) or a <see cref="GoStruct"/>.
    /// </summary>
    /// <exception cref="GoTemplateException">An execution error (unknown field, bad comparison, index out of range …) with its position.</exception>
    public string Execute(object? data)
    {
        var sb = new StringBuilder(Source.Length * 2);
        new GoTemplateExecutor(Source, sb, data).Run(_root);
        return sb.ToString();
    }

    /// <summary>
    /// The field and variable names the template mentions, lower-cased and sorted (Ollama's Template.Vars): Ollama looks for
    /// "messages" to decide how to render a chat, and for "response" to decide whether to append {{ .Response }}.
    /// </summary>
    public IReadOnlyList<string> Vars()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        CollectIdentifiers(_root, names);
        return [.. names];
    }

    private static void CollectIdentifiers(Node node, SortedSet<string> names)
    {
        switch (node)
        {
            case ListNode list:
                foreach (var n in list.Nodes) CollectIdentifiers(n, names);
                break;
            case ActionNode action:
                CollectIdentifiers(action.Pipe, names);
                break;
            case BranchNode branch:
                CollectIdentifiers(branch.Pipe, names);
                CollectIdentifiers(branch.List, names);
                if (branch.ElseList is not null) CollectIdentifiers(branch.ElseList, names);
                break;
            case PipeNode pipe:
                foreach (var cmd in pipe.Commands)
                    foreach (var arg in cmd.Args) CollectIdentifiers(arg, names);
                break;
            case PipeArgNode pipeArg:
                CollectIdentifiers(pipeArg.Pipe, names);
                break;
            case FieldNode field:
                foreach (var id in field.Ident) names.Add(id.ToLowerInvariant());
                break;
            case VariableNode variable:
                names.Add(variable.Name.ToLowerInvariant());
                foreach (var id in variable.Fields) names.Add(id.ToLowerInvariant());
                break;
        }
    }

    /// <summary>This template with {{ .Response }} appended (Ollama does this to templates that mention neither .Messages nor .Response).</summary>
    internal GoTemplate WithResponseAppended()
    {
        var nodes = new List<Node>(_root.Nodes)
        {
            new ActionNode(Source.Length, new PipeNode(Source.Length, [], false, [new CommandNode(Source.Length, [new FieldNode(Source.Length, ["Response"])])]), "{{ .Response }}"),
        };
        return new GoTemplate(Source, new ListNode(_root.Offset, nodes));
    }

    /// <summary>
    /// This template cut right after the first .Response field (Ollama's legacy rendering of the last turn: the prompt ends where
    /// the model's answer starts). Mirrors Ollama's walk: lists and branch bodies in order, branch conditions not inspected.
    /// </summary>
    internal GoTemplate CutAfterResponse()
    {
        var cut = false;
        var root = (ListNode?)Cut(_root, ref cut) ?? new ListNode(_root.Offset, []);
        return new GoTemplate(Source, root);
    }

    private static Node? Cut(Node node, ref bool cut)
    {
        if (node is FieldNode field && field.Ident.Contains("Response"))
        {
            cut = true;
            return node;
        }
        if (cut) return null;
        switch (node)
        {
            case ListNode list:
                {
                    var kept = new List<Node>();
                    foreach (var n in list.Nodes)
                        if (Cut(n, ref cut) is { } k) kept.Add(k);
                    return list with { Nodes = kept };
                }
            case BranchNode branch:
                {
                    var body = (ListNode)Cut(branch.List, ref cut)!;
                    var elseList = branch.ElseList is null || cut ? null : (ListNode?)Cut(branch.ElseList, ref cut);
                    return branch with { List = body, ElseList = elseList };
                }
            case ActionNode action:
                return Cut(action.Pipe, ref cut) is PipeNode keptPipe ? action with { Pipe = keptPipe } : null;
            case PipeNode pipe:
                {
                    var commands = new List<CommandNode>();
                    foreach (var cmd in pipe.Commands)
                    {
                        var args = new List<Node>();
                        foreach (var a in cmd.Args)
                            if (Cut(a, ref cut) is { } k) args.Add(k);
                        if (args.Count == 0) return null;
                        commands.Add(cmd with { Args = args });
                    }
                    return commands.Count == 0 ? null : pipe with { Commands = commands };
                }
            default:
                return node;
        }
    }
}
