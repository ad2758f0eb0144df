using System.Text;

namespace Takase.Server.Ollama;

/// <summary>
/// The part of Ollama's Go text/template language that /api/generate's "template" field is used with in practice:
/// text, <c>{{ .System }}</c>, <c>{{ .Prompt }}</c>, <c>{{ .Response }}</c>, <c>{{ if .System }}</c> /
/// <c>{{ if .Prompt }}</c> with <c>{{ else }}</c> and <c>{{ end }}</c>, comments <c>{{/* … */}}</c>, and the
/// whitespace trims <c>{{-</c> and <c>-}}</c>. Anything else (range over .Messages, functions, pipelines) is refused
/// with an <see cref="ArgumentException"/> that says where and what to do, rather than rendered wrongly: full chat
/// templating is what the model's own (Jinja) template and /api/chat are for. As in Ollama, rendering stops at
/// <c>{{ .Response }}</c>, where the model's answer begins.
/// </summary>
public sealed class GoTemplate
{
    private abstract record Node;
    private sealed record Text(string Value) : Node;
    private sealed record Field(string Name) : Node;
    private sealed record If(string Name, IReadOnlyList<Node> Then, IReadOnlyList<Node> Else) : Node;

    private static readonly string[] Fields = ["System", "Prompt", "Response"];
    private readonly IReadOnlyList<Node> _nodes;

    private GoTemplate(IReadOnlyList<Node> nodes) => _nodes = nodes;

    /// <summary>Parses <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException">a construct outside the supported subset, or unbalanced if/end.</exception>
    public static GoTemplate Parse(string source)
    {
        var tokens = Lex(source);
        var position = 0;
        var nodes = ParseBlock(tokens, ref position, inside: null);
        return new GoTemplate(nodes);
    }

    /// <summary>Renders up to <c>{{ .Response }}</c> with the given values (null or empty count as false in if).</summary>
    public string Render(string? system, string? prompt)
    {
        var output = new StringBuilder();
        Render(_nodes, output, system ?? "", prompt ?? "");
        return output.ToString();
    }

    // Returns false once .Response was reached: nothing after it is part of the prompt.
    private static bool Render(IReadOnlyList<Node> nodes, StringBuilder output, string system, string prompt)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case Text t:
                    output.Append(t.Value);
                    break;
                case Field { Name: "Response" }:
                    return false;
                case Field f:
                    output.Append(f.Name == "System" ? system : prompt);
                    break;
                case If i:
                    var value = i.Name == "System" ? system : i.Name == "Prompt" ? prompt : "";
                    if (!Render(value.Length > 0 ? i.Then : i.Else, output, system, prompt)) return false;
                    break;
            }
        }
        return true;
    }

    private sealed record Token(string? Text, string? Action, int Line);

    private static List<Token> Lex(string source)
    {
        var tokens = new List<Token>();
        var i = 0;
        var trimNextText = false;
        while (i < source.Length)
        {
            var open = source.IndexOf("{{", i, StringComparison.Ordinal);
            var text = open < 0 ? source[i..] : source[i..open];
            if (trimNextText) text = text.TrimStart();
            trimNextText = false;
            if (open < 0)
            {
                if (text.Length > 0) tokens.Add(new Token(text, null, 0));
                break;
            }
            var line = 1 + source.AsSpan(0, open).Count('\n');
            var close = source.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0) throw new ArgumentException($"template: unclosed action starting at line {line}: {Snippet(source[open..])}");
            var inner = source[(open + 2)..close];
            // "{{- " trims the whitespace before the action, " -}}" the whitespace after it (Go requires the space).
            if (inner.Length >= 2 && inner[0] == '-' && char.IsWhiteSpace(inner[1])) { text = text.TrimEnd(); inner = inner[1..]; }
            if (inner.Length >= 2 && inner[^1] == '-' && char.IsWhiteSpace(inner[^2])) { trimNextText = true; inner = inner[..^1]; }
            if (text.Length > 0) tokens.Add(new Token(text, null, line));
            tokens.Add(new Token(null, inner.Trim(), line));
            i = close + 2;
        }
        return tokens;
    }

    private static List<Node> ParseBlock(List<Token> tokens, ref int position, string? inside)
    {
        var nodes = new List<Node>();
        while (position < tokens.Count)
        {
            var token = tokens[position++];
            if (token.Text is not null) { nodes.Add(new Text(token.Text)); continue; }
            var action = token.Action!;
            if (action.StartsWith("/*", StringComparison.Ordinal) && action.EndsWith("*/", StringComparison.Ordinal)) continue;
            if (action is "end" or "else")
            {
                if (inside is null) throw new ArgumentException($"template: {{{{ {action} }}}} at line {token.Line} has no matching {{{{ if }}}}");
                position--; // the caller of this block consumes it
                return nodes;
            }
            if (action.StartsWith("if ", StringComparison.Ordinal))
            {
                var name = FieldName(action[3..].Trim(), token);
                var then = ParseBlock(tokens, ref position, "if");
                var otherwise = new List<Node>();
                if (position < tokens.Count && tokens[position].Action == "else")
                {
                    position++;
                    otherwise = ParseBlock(tokens, ref position, "else");
                }
                if (position >= tokens.Count || tokens[position].Action != "end")
                    throw new ArgumentException($"template: {{{{ if {action[3..].Trim()} }}}} at line {token.Line} is not closed with {{{{ end }}}}");
                position++;
                nodes.Add(new If(name, then, otherwise));
                continue;
            }
            nodes.Add(new Field(FieldName(action, token)));
        }
        return nodes;
    }

    private static string FieldName(string expression, Token token)
    {
        // $.System is the same field named from the root scope.
        var path = expression.StartsWith("$.", StringComparison.Ordinal) ? expression[1..] : expression;
        if (path.StartsWith('.') && Fields.Contains(path[1..], StringComparer.Ordinal)) return path[1..];
        throw new ArgumentException(
            $"template: {{{{ {expression} }}}} at line {token.Line} is not supported; the template field of /api/generate understands " +
            "{{ .System }}, {{ .Prompt }}, {{ .Response }} and {{ if .System }}/{{ if .Prompt }} … {{ else }} … {{ end }}. " +
            "For anything else render the prompt yourself and send it with \"raw\": true, or use /api/chat.");
    }

    private static string Snippet(string s) => s.Length <= 30 ? s : s[..30] + "…";
}
