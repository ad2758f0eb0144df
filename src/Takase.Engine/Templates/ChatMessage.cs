using System.Text.Json.Nodes;
using Takase.Engine.Templates.Internals;

namespace Takase.Engine.Templates;

/// <summary>
/// One chat message in the shape templates expect (OpenAI/HF style): role and content, plus tool calls for an
/// assistant turn, or the call id and tool name for a tool result.
/// </summary>
/// <param name="Role">"system", "user", "assistant" or "tool" (templates decide what else they accept).</param>
/// <param name="Content">The text; null renders as Python None, as an OpenAI request with "content": null would.</param>
public sealed record ChatMessage(string Role, string? Content)
{
    /// <summary>Tool calls made by an assistant message.</summary>
    public IReadOnlyList<ChatToolCall>? ToolCalls { get; init; }

    /// <summary>For a tool result: the id of the call it answers.</summary>
    public string? ToolCallId { get; init; }

    /// <summary>For a tool result: the tool's name (some templates print it).</summary>
    public string? Name { get; init; }

    /// <summary>Reasoning text of an assistant turn, for templates that re-insert it (reasoning_content).</summary>
    public string? ReasoningContent { get; init; }

    /// <summary>Any other fields templates read from a message, added as-is (values in the template value model).</summary>
    public IReadOnlyDictionary<string, object?>? Extra { get; init; }

    internal IReadOnlyDictionary<string, object?> ToValue()
    {
        var d = new PyDict { ["role"] = Role, ["content"] = Content };
        if (ToolCalls is not null)
        {
            d["tool_calls"] = ToolCalls.Select(c => (object?)new PyDict
            {
                ["id"] = c.Id,
                ["type"] = "function",
                ["function"] = new PyDict { ["name"] = c.Name, ["arguments"] = ChatTemplate.FromJson(c.Arguments) },
            }).ToList();
        }
        if (ToolCallId is not null) d["tool_call_id"] = ToolCallId;
        if (Name is not null) d["name"] = Name;
        if (ReasoningContent is not null) d["reasoning_content"] = ReasoningContent;
        if (Extra is not null)
            foreach (var (k, v) in Extra) d[k] = v;
        return d;
    }
}

/// <summary>A function call requested by the assistant; <paramref name="Arguments"/> is the JSON object of arguments (HF passes objects, not strings).</summary>
public sealed record ChatToolCall(string Id, string Name, JsonNode? Arguments);

/// <summary>The non-message inputs of <see cref="ChatTemplate.Render(IReadOnlyList{ChatMessage}, ChatRenderOptions?)"/>.</summary>
public sealed record ChatRenderOptions
{
    /// <summary>Tool definitions as OpenAI/HF pass them ({"type": "function", "function": {...}}); null renders tools=None.</summary>
    public IReadOnlyList<JsonNode>? Tools { get; init; }

    /// <summary>Whether to end with the header of a new assistant turn.</summary>
    public bool AddGenerationPrompt { get; init; }

    /// <summary>The model's BOS token text, or null to leave bos_token undefined.</summary>
    public string? BosToken { get; init; }

    /// <summary>The model's EOS token text, or null to leave eos_token undefined.</summary>
    public string? EosToken { get; init; }

    /// <summary>Extra template variables (enable_thinking, reasoning_effort, ...), in the template value model.</summary>
    public IReadOnlyDictionary<string, object?>? Variables { get; init; }
}
