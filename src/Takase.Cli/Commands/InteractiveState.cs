using System.Text.Json.Nodes;
using Takase.Library.Modelfiles;

namespace Takase.Cli.Commands;

/// <summary>One message of the conversation an interactive session keeps.</summary>
internal sealed record InteractiveMessage(string Role, string Content);

/// <summary>
/// What an interactive session remembers between turns, as Ollama's runOptions does: the model, the session's own
/// SYSTEM and PARAMETERs (set with /set), the conversation, and the display switches.
/// </summary>
internal sealed class InteractiveState
{
    /// <summary>The model the session talks to (a served name, or a GGUF path in-process).</summary>
    public required string Model { get; set; }

    /// <summary>The session's system message (/set system), or null for the model's own.</summary>
    public string? System { get; set; }

    /// <summary>Options set with /set parameter (or flags of `takase run`), typed as Ollama's API wants them.</summary>
    public JsonObject Options { get; init; } = new();

    /// <summary>The conversation so far (a system message first when /set system was used).</summary>
    public List<InteractiveMessage> Messages { get; } = [];

    /// <summary>Print speeds after each answer (/set verbose).</summary>
    public bool Verbose { get; set; }

    /// <summary>"json" after /set format json; null otherwise.</summary>
    public string? Format { get; set; }

    /// <summary>Thinking on or off (/set think, /set nothink); null leaves it to the model.</summary>
    public bool? Think { get; set; }

    /// <summary>Forgets the conversation; the session's system message stays, as Ollama's /clear keeps it.</summary>
    public void ClearConversation()
    {
        Messages.Clear();
        if (System is { } system) Messages.Add(new InteractiveMessage("system", system));
    }

    /// <summary>
    /// Sets one option from its text form (<c>/set parameter NAME VALUE…</c>): the value is checked against the
    /// parameter's type and stored as a JSON number, bool or, for stop, an array of every value given.
    /// </summary>
    /// <exception cref="ArgumentException">The name is unknown or a value does not fit its type.</exception>
    public void SetParameter(string name, IReadOnlyList<string> values)
    {
        if (!ModelfileParameters.TryGet(name, out var info))
            throw new ArgumentException($"unknown parameter '{name}'");
        if (info.Deprecated) throw new ArgumentException($"parameter '{name}' is deprecated and no longer applied");
        foreach (var value in values)
            if (ModelfileParameters.Validate(info, value) is { } problem) throw new ArgumentException(problem);
        var typed = JsonNode.Parse(ModelfileParameters.ToJson(values.Select(v => new ModelfileParameter(info.Name, v))))!.AsObject();
        Options[info.Name] = typed[info.Name]!.DeepClone();
    }
}
