namespace Takase.Library.GoTemplates;

/// <summary>What Ollama hands a template for one request (template.Values).</summary>
public sealed record OllamaTemplateValues
{
    /// <summary>The conversation (system messages included; they are also joined into .System).</summary>
    public IReadOnlyList<TemplateMessage> Messages { get; init; } = [];

    /// <summary>Tool definitions for .Tools.</summary>
    public IReadOnlyList<TemplateTool> Tools { get; init; } = [];

    /// <summary>A raw /api/generate prompt; used with <see cref="Suffix"/> for fill-in-the-middle.</summary>
    public string Prompt { get; init; } = "";

    /// <summary>Text after the insertion point (fill-in-the-middle); with a prompt it selects the .Prompt/.Suffix rendering.</summary>
    public string Suffix { get; init; } = "";

    /// <summary>Whether thinking is on (.Think).</summary>
    public bool Think { get; init; }

    /// <summary>Whether the request set think at all (.IsThinkSet).</summary>
    public bool IsThinkSet { get; init; }

    /// <summary>"high", "medium", "low" or "" (.ThinkLevel).</summary>
    public string ThinkLevel { get; init; } = "";
}

/// <summary>
/// A model's TEMPLATE rendered the way Ollama renders it (template.Execute): templates that mention .Messages get the whole
/// (collated) conversation at once; older ones get one .System/.Prompt/.Response execution per turn, and the last turn cut
/// right after .Response so the prompt ends where the model's answer begins. Templates that mention neither .Messages nor
/// .Response get {{ .Response }} appended, as Ollama does when it parses them.
/// </summary>
public sealed class OllamaPromptTemplate
{
    private readonly GoTemplate _template;
    private readonly GoTemplate _lastTurn;

    private OllamaPromptTemplate(GoTemplate template)
    {
        var vars = template.Vars();
        UsesMessages = vars.Contains("messages") || vars.Contains("document");
        _template = vars.Contains("messages") || vars.Contains("response") ? template : template.WithResponseAppended();
        _lastTurn = _template.CutAfterResponse();
        Vars = vars;
    }

    /// <summary>Ollama's default template for models without one.</summary>
    public static OllamaPromptTemplate Default { get; } = Parse("{{ .Prompt }}");

    /// <summary>The template text as written.</summary>
    public string Source => _template.Source;

    /// <summary>Whether the whole conversation is rendered through .Messages (else turn by turn through .Prompt/.Response).</summary>
    public bool UsesMessages { get; }

    /// <summary>The lower-cased field and variable names the template mentions.</summary>
    public IReadOnlyList<string> Vars { get; }

    /// <summary>Parses a TEMPLATE.</summary>
    /// <exception cref="GoTemplateException">The template does not parse; the message gives line, column and construct.</exception>
    public static OllamaPromptTemplate Parse(string template) => new(GoTemplate.Parse(template));

    /// <summary>Renders a request the way Ollama's Template.Execute does.</summary>
    /// <exception cref="GoTemplateException">Execution failed (e.g. the template reads a field messages do not have).</exception>
    public string Execute(OllamaTemplateValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var (system, messages) = Collate(values.Messages);
        if (values.Prompt.Length > 0 && values.Suffix.Length > 0)
        {
            return _template.Execute(new Dictionary<string, object?>
            {
                ["Prompt"] = values.Prompt,
                ["Suffix"] = values.Suffix,
                ["Response"] = "",
                ["Think"] = values.Think,
                ["ThinkLevel"] = values.ThinkLevel,
                ["IsThinkSet"] = values.IsThinkSet,
            });
        }
        if (UsesMessages)
        {
            return _template.Execute(new Dictionary<string, object?>
            {
                ["System"] = system,
                ["Messages"] = messages,
                ["Tools"] = values.Tools,
                ["Response"] = "",
                ["Think"] = values.Think,
                ["ThinkLevel"] = values.ThinkLevel,
                ["IsThinkSet"] = values.IsThinkSet,
            });
        }

        // Turn by turn: a system message or a new user message after an answer closes the pending turn.
        var sb = new System.Text.StringBuilder();
        string turnSystem = "", prompt = "", response = "";
        Dictionary<string, object?> Data() => new()
        {
            ["System"] = turnSystem,
            ["Prompt"] = prompt,
            ["Response"] = response,
            ["Think"] = values.Think,
            ["ThinkLevel"] = values.ThinkLevel,
            ["IsThinkSet"] = values.IsThinkSet,
        };
        void Flush()
        {
            sb.Append(_template.Execute(Data()));
            turnSystem = prompt = response = "";
        }
        foreach (var m in messages)
        {
            switch (m.Role)
            {
                case "system":
                    if (prompt.Length > 0 || response.Length > 0) Flush();
                    turnSystem = m.Content;
                    break;
                case "user":
                    if (response.Length > 0) Flush();
                    prompt = m.Content;
                    break;
                case "assistant":
                    response = m.Content;
                    break;
            }
        }
        sb.Append(_lastTurn.Execute(Data()));
        return sb.ToString();
    }

    /// <summary>
    /// Ollama's collate: consecutive messages of one role (tool results excepted) merge with a blank line between them;
    /// every system message's text is also joined (blank-line separated) into the returned system text.
    /// </summary>
    public static (string System, IReadOnlyList<TemplateMessage> Messages) Collate(IReadOnlyList<TemplateMessage> messages)
    {
        var system = new List<string>();
        var collated = new List<TemplateMessage>(messages.Count);
        foreach (var m in messages)
        {
            if (m.Role == "system") system.Add(m.Content);
            if (collated.Count > 0 && collated[^1].Role == m.Role && m.Role != "tool")
                collated[^1] = collated[^1] with { Content = collated[^1].Content + "\n\n" + m.Content };
            else collated.Add(m);
        }
        return (string.Join("\n\n", system), collated);
    }

    /// <summary>
    /// The prompt for a chat request, as Ollama's chat handler builds it: the model's SYSTEM goes first unless the request
    /// starts with a system message, then the Modelfile's MESSAGEs, then the request's. With <paramref name="countTokens"/>
    /// and <paramref name="contextLength"/>, the oldest messages are dropped until the prompt fits (system messages and the
    /// last message always stay; a tool result is never separated from the assistant turn that called the tool).
    /// </summary>
    public string RenderChat(
        IReadOnlyList<TemplateMessage> requestMessages,
        string? modelSystem = null,
        IReadOnlyList<TemplateMessage>? modelMessages = null,
        IReadOnlyList<TemplateTool>? tools = null,
        bool? think = null,
        string thinkLevel = "",
        Func<string, int>? countTokens = null,
        int contextLength = 0)
    {
        var msgs = new List<TemplateMessage>();
        if (!string.IsNullOrEmpty(modelSystem) && (requestMessages.Count == 0 || requestMessages[0].Role != "system"))
            msgs.Add(new TemplateMessage("system", modelSystem));
        if (modelMessages is not null) msgs.AddRange(modelMessages);
        msgs.AddRange(requestMessages);

        string Render(IReadOnlyList<TemplateMessage> m) => Execute(new OllamaTemplateValues
        {
            Messages = m,
            Tools = tools ?? [],
            Think = think ?? false,
            IsThinkSet = think is not null,
            ThinkLevel = think is true && thinkLevel.Length == 0 ? "medium" : thinkLevel,
        });

        if (countTokens is null || contextLength <= 0 || msgs.Count == 0) return Render(msgs);
        for (var i = 0; i < msgs.Count; i++)
        {
            var start = ToolBlockStart(msgs, i);
            var kept = msgs.Take(start).Where(m => m.Role == "system").Concat(msgs.Skip(start)).ToList();
            var prompt = Render(kept);
            if (countTokens(prompt) <= contextLength || i == msgs.Count - 1) return prompt;
        }
        return Render(msgs);
    }

    /// <summary>Where a block of tool results starts, including the assistant message whose calls they answer.</summary>
    private static int ToolBlockStart(List<TemplateMessage> msgs, int index)
    {
        if (index <= 0 || index >= msgs.Count || msgs[index].Role != "tool") return index;
        var start = index;
        while (start > 0 && msgs[start - 1].Role == "tool") start--;
        var assistant = start - 1;
        return assistant >= 0 && msgs[assistant].Role == "assistant" && msgs[assistant].ToolCalls.Count > 0 ? assistant : index;
    }
}
