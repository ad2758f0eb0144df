using System.Text;
using System.Text.RegularExpressions;

namespace Takase.Library.Modelfiles;

/// <summary>
/// Reads Modelfile text the way Ollama's parser does: one instruction per line (names in any case), <c>#</c> comments at
/// the start of a line, values running to the end of the line and trimmed, <c>"…"</c> and <c>"""…"""</c> values that
/// may span lines and end where a line ends with the closing quotes, no escape sequences inside quotes.
/// Stricter than Ollama where Ollama fails later or silently: parameter types, MESSAGE roles and REQUIRES are checked
/// here, with the line and column of the offending text.
/// </summary>
public static partial class ModelfileParser
{
    private static readonly string[] Instructions =
        ["FROM", "PARAMETER", "TEMPLATE", "SYSTEM", "ADAPTER", "LICENSE", "MESSAGE", "REQUIRES", "RENDERER", "PARSER", "DRAFT"];

    /// <summary>The roles a MESSAGE line may have.</summary>
    public static IReadOnlyList<string> MessageRoles { get; } = ["system", "user", "assistant", "tool"];

    /// <summary>Parses a Modelfile from a file on disk.</summary>
    /// <exception cref="ModelfileParseException">The text is not a valid Modelfile.</exception>
    public static Modelfile ParseFile(string path) => Parse(File.ReadAllText(path));

    /// <summary>Parses Modelfile text.</summary>
    /// <exception cref="ModelfileParseException">The text is not a valid Modelfile; the message names line, column and what was expected.</exception>
    public static Modelfile Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cursor = new Cursor(text.StartsWith('\uFEFF') ? text[1..] : text);
        string? from = null;
        var additionalFrom = new List<string>();
        var parameters = new List<ModelfileParameter>();
        var adapters = new List<string>();
        var licenses = new List<string>();
        var messages = new List<ModelfileMessage>();
        string? template = null, system = null, requires = null, renderer = null, parser = null, draft = null;

        while (!cursor.End)
        {
            var c = cursor.Peek;
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                cursor.Advance();
                continue;
            }
            if (c == '#')
            {
                while (!cursor.End && cursor.Peek is not ('\r' or '\n')) cursor.Advance();
                continue;
            }

            var (nameLine, nameColumn) = (cursor.Line, cursor.Column);
            var name = cursor.TakeWhile(char.IsAsciiLetter);
            if (name.Length == 0)
                throw new ModelfileParseException(nameLine, nameColumn, $"expected an instruction ({string.Join(", ", Instructions)}) but found '{c}'");
            var instruction = name.ToUpperInvariant();
            if (Array.IndexOf(Instructions, instruction) < 0 || (!cursor.End && cursor.Peek is not (' ' or '\t' or '\r' or '\n')))
            {
                var rest = cursor.End || IsBlank(cursor.Peek) ? name : name + cursor.Peek;
                throw new ModelfileParseException(nameLine, nameColumn, $"unknown instruction '{rest}'; expected one of {string.Join(", ", Instructions)}");
            }
            ExpectSpace(cursor, $"{instruction} needs a value after a space");

            switch (instruction)
            {
                case "PARAMETER":
                    {
                        cursor.SkipSpaces();
                        var (pLine, pColumn) = (cursor.Line, cursor.Column);
                        var pname = cursor.TakeWhile(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_');
                        if (pname.Length == 0)
                            throw new ModelfileParseException(pLine, pColumn, "expected a parameter name (letters, digits and _) after PARAMETER");
                        if (!cursor.End && !IsBlank(cursor.Peek))
                            throw new ModelfileParseException(cursor.Line, cursor.Column, $"parameter names are letters, digits and _; found '{cursor.Peek}' in '{pname}{cursor.Peek}'");
                        if (!ModelfileParameters.TryGet(pname, out var info))
                            throw new ModelfileParseException(pLine, pColumn, $"unknown parameter '{pname}'; expected one of {string.Join(", ", ModelfileParameters.Known.Where(k => !k.Deprecated).Select(k => k.Name))}");
                        ExpectSpace(cursor, $"parameter {info.Name} needs a value after a space");
                        var (value, vLine, vColumn) = ReadValue(cursor);
                        if (ModelfileParameters.Validate(info, value) is { } problem)
                            throw new ModelfileParseException(vLine, vColumn, "bad parameter value: " + problem);
                        parameters.Add(new ModelfileParameter(info.Name, value));
                        break;
                    }
                case "MESSAGE":
                    {
                        cursor.SkipSpaces();
                        var (rLine, rColumn) = (cursor.Line, cursor.Column);
                        var role = cursor.TakeWhile(ch => !IsBlank(ch) && ch is not ('\r' or '\n'));
                        if (role.Length == 0 || !MessageRoles.Contains(role))
                            throw new ModelfileParseException(rLine, rColumn, $"unknown MESSAGE role '{role}'; expected one of {string.Join(", ", MessageRoles)}");
                        ExpectSpace(cursor, $"MESSAGE {role} needs the message text after a space");
                        var (value, _, _) = ReadValue(cursor);
                        messages.Add(new ModelfileMessage(role, value));
                        break;
                    }
                default:
                    {
                        var (value, vLine, vColumn) = ReadValue(cursor);
                        switch (instruction)
                        {
                            case "FROM":
                                if (value.Length == 0)
                                    throw new ModelfileParseException(vLine, vColumn, "FROM needs a model name, a GGUF file or a safetensors directory");
                                if (from is null) from = value;
                                else additionalFrom.Add(value);
                                break;
                            case "TEMPLATE": template = value; break;
                            case "SYSTEM": system = value; break;
                            case "ADAPTER":
                                if (value.Length == 0)
                                    throw new ModelfileParseException(vLine, vColumn, "ADAPTER needs the path of a LoRA adapter");
                                adapters.Add(value);
                                break;
                            case "LICENSE": licenses.Add(value); break;
                            case "RENDERER": renderer = value; break;
                            case "PARSER": parser = value; break;
                            case "DRAFT": draft = value; break;
                            case "REQUIRES":
                                requires = NormalizeVersion(value)
                                    ?? throw new ModelfileParseException(vLine, vColumn, $"REQUIRES takes a semantic version such as 0.14.0, not \"{value}\"");
                                break;
                        }
                        break;
                    }
            }
        }

        if (from is null)
            throw new ModelfileParseException(0, 0, "no FROM line; a Modelfile starts from a model name, a GGUF file or a safetensors directory (FROM llama3.2)");

        return new Modelfile
        {
            From = from,
            AdditionalFrom = additionalFrom,
            Parameters = parameters,
            Template = template,
            System = system,
            Adapters = adapters,
            Licenses = licenses,
            Messages = messages,
            Requires = requires,
            Renderer = renderer,
            Parser = parser,
            Draft = draft,
        };
    }

    /// <summary>
    /// Reads one value from just after its instruction: up to the first line end where the text so far (trimmed) is a
    /// complete value — unquoted, <c>"…"</c> or <c>"""…"""</c> — exactly Ollama's rule. Returns the value and where it starts.
    /// </summary>
    private static (string Value, int Line, int Column) ReadValue(Cursor cursor)
    {
        var start = cursor.Position;
        var (line, column) = (cursor.Line, cursor.Column);
        // Where the value's first visible character sits, for error messages.
        var text = cursor.Text;
        var lead = start;
        while (lead < text.Length && text[lead] is ' ' or '\t') lead++;
        var (valueLine, valueColumn) = (line, column + (lead - start));

        while (true)
        {
            var end = text.AsSpan(cursor.Position).IndexOfAny('\r', '\n');
            end = end < 0 ? text.Length : cursor.Position + end;
            while (cursor.Position < end) cursor.Advance();
            var candidate = WithoutControlCharacters(text.AsSpan(start, end - start)).Trim();
            if (TryUnquote(candidate, out var value)) return (value, valueLine, valueColumn);
            if (cursor.End)
            {
                var quote = candidate.StartsWith("\"\"\"", StringComparison.Ordinal) ? "\"\"\"" : "\"";
                throw new ModelfileParseException(valueLine, valueColumn,
                    $"unterminated {quote} value: it needs a closing {quote} at the end of a line (text after the closing quotes on the same line keeps the value open)");
            }
            cursor.Advance(); // the line end belongs to the value
        }
    }

    /// <summary>Ollama's unquote: a complete """…""" or "…" value loses its quotes; an unquoted one is taken as is.</summary>
    internal static bool TryUnquote(string trimmed, out string value)
    {
        value = "";
        if (trimmed.StartsWith("\"\"\"", StringComparison.Ordinal))
        {
            if (trimmed.Length < 6 || !trimmed.EndsWith("\"\"\"", StringComparison.Ordinal)) return false;
            value = trimmed[3..^3];
            return true;
        }
        if (trimmed.StartsWith('"'))
        {
            if (trimmed.Length < 2 || !trimmed.EndsWith('"')) return false;
            value = trimmed[1..^1];
            return true;
        }
        value = trimmed;
        return true;
    }

    /// <summary>Ollama keeps only printable characters (plus tabs and line ends) in values; control characters are dropped.</summary>
    private static string WithoutControlCharacters(ReadOnlySpan<char> span)
    {
        var clean = true;
        foreach (var ch in span)
            if (char.IsControl(ch) && ch is not ('\t' or '\r' or '\n')) clean = false;
        if (clean) return span.ToString();
        var sb = new StringBuilder(span.Length);
        foreach (var ch in span)
            if (!char.IsControl(ch) || ch is '\t' or '\r' or '\n') sb.Append(ch);
        return sb.ToString();
    }

    /// <summary>golang.org/x/mod/semver's IsValid on "v"+version; returns the version without "v", or null when invalid.</summary>
    internal static string? NormalizeVersion(string version)
    {
        var v = version.StartsWith('v') ? version : "v" + version;
        return SemverPattern().IsMatch(v) ? v[1..] : null;
    }

    [GeneratedRegex(@"^v(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*)(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex SemverPattern();

    private static bool IsBlank(char c) => c is ' ' or '\t';

    private static void ExpectSpace(Cursor cursor, string problem)
    {
        if (cursor.End || !IsBlank(cursor.Peek))
            throw new ModelfileParseException(cursor.Line, cursor.Column, problem);
        cursor.Advance();
    }

    /// <summary>A read position that keeps 1-based line and column (CRLF counts as one line end).</summary>
    private sealed class Cursor(string text)
    {
        public string Text { get; } = text;
        public int Position { get; private set; }
        public int Line { get; private set; } = 1;
        public int Column { get; private set; } = 1;
        public bool End => Position >= Text.Length;
        public char Peek => Text[Position];

        public void Advance()
        {
            var c = Text[Position++];
            if (c == '\n' || (c == '\r' && (Position >= Text.Length || Text[Position] != '\n')))
            {
                Line++;
                Column = 1;
            }
            else Column++;
        }

        public void SkipSpaces()
        {
            while (!End && IsBlank(Peek)) Advance();
        }

        public string TakeWhile(Func<char, bool> accept)
        {
            var start = Position;
            while (!End && accept(Peek)) Advance();
            return Text[start..Position];
        }
    }
}
