using System.Text.Json.Nodes;
using Takase.Engine.Templates.Internals;

namespace Takase.Engine.Templates;

/// <summary>
/// A parsed GGUF <c>tokenizer.chat_template</c> (Jinja2) that renders byte for byte like Python's jinja2 does when
/// Hugging Face's <c>apply_chat_template</c> calls it: trim_blocks and lstrip_blocks on, loop controls,
/// <c>raise_exception</c>, <c>strftime_now</c>, a tojson that does not HTML-escape, Python's str()/repr() of values
/// and jinja2's Undefined. Parse once and render per request; a parsed template is immutable and thread-safe.
/// </summary>
/// <remarks>
/// Values passed to <see cref="Render(IReadOnlyDictionary{string, object})"/> use this model: <c>string</c>, <c>bool</c>, <c>long</c>, <c>double</c>,
/// <c>null</c> (Python None), <c>IReadOnlyList&lt;object?&gt;</c> and insertion-ordered
/// <c>IReadOnlyDictionary&lt;string, object?&gt;</c>; <see cref="FromJson"/> builds it from JSON, and other CLR numbers
/// (int, float, decimal) are accepted and converted.
/// </remarks>
public sealed class ChatTemplate
{
    private readonly Stmt[] _body;

    /// <summary>Parses <paramref name="source"/>; use an object initializer to set <see cref="Clock"/> or <see cref="AllowMutation"/>.</summary>
    /// <exception cref="TemplateException">The source is not valid Jinja or uses a construct this engine does not implement.</exception>
    public ChatTemplate(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Source = source;
        _body = Parser.Parse(source);
    }

    /// <summary>Parses a template (the same as the constructor).</summary>
    /// <exception cref="TemplateException">The source is not valid Jinja or uses a construct this engine does not implement.</exception>
    public static ChatTemplate Parse(string source) => new(source);

    /// <summary>The template text as given.</summary>
    public string Source { get; }

    /// <summary>The clock <c>strftime_now(format)</c> reads (local time, like Python's datetime.now()); inject a fixed one in tests.</summary>
    public Func<DateTime> Clock { get; init; } = () => DateTime.Now;

    /// <summary>
    /// Lets templates call mutating methods (list.append/pop, dict.update, ...), as llama.cpp's renderer does.
    /// Off by default because Hugging Face renders in jinja2's ImmutableSandboxedEnvironment, which refuses them
    /// with a SecurityError; turn it on for templates written for llama.cpp (e.g. Kimi K2's tool-call queue).
    /// </summary>
    public bool AllowMutation { get; init; }

    /// <summary>Renders with the given top-level variables (messages, tools, add_generation_prompt, bos_token, ...).</summary>
    /// <exception cref="TemplateException">
    /// The template raised (<see cref="TemplateErrorKind.Raised"/>, e.g. "Conversation roles must alternate"), or failed
    /// on these inputs the way jinja2 would; <see cref="TemplateException.Reason"/> holds jinja2's message.
    /// </exception>
    public string Render(IReadOnlyDictionary<string, object?> globals)
    {
        ArgumentNullException.ThrowIfNull(globals);
        var ctx = new RenderContext(ValueModel.Normalize(globals), Clock, AllowMutation);
        var root = new Scope(ctx, null);
        try
        {
            Stmt.ExecAll(_body, root);
        }
        catch (TemplateException e)
        {
            throw e.WithLine(ctx.Line);
        }
        return ctx.Output.ToString();
    }

    /// <summary>
    /// Renders a chat the way <c>apply_chat_template(messages, tools=..., add_generation_prompt=...)</c> does:
    /// <c>messages</c> as dicts, <c>tools</c> (None when absent), <c>documents</c>=None, the special tokens and any
    /// extra variables (such as <c>enable_thinking</c>).
    /// </summary>
    public string Render(IReadOnlyList<ChatMessage> messages, ChatRenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        options ??= new ChatRenderOptions();
        var globals = new PyDict
        {
            ["messages"] = messages.Select(m => (object?)m.ToValue()).ToList(),
            ["tools"] = options.Tools?.Select(t => FromJson(t)).ToList(),
            ["documents"] = null,
            ["add_generation_prompt"] = options.AddGenerationPrompt,
        };
        if (options.BosToken is not null) globals["bos_token"] = options.BosToken;
        if (options.EosToken is not null) globals["eos_token"] = options.EosToken;
        if (options.Variables is not null)
            foreach (var (k, v) in options.Variables) globals[k] = v;
        return Render(globals);
    }

    /// <summary>Converts JSON to the template value model: objects keep their key order, integers become long, other numbers double.</summary>
    public static object? FromJson(JsonNode? node) => PyJson.FromNode(node);
}
