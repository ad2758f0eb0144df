using System.Text.Json.Nodes;
using Takase.Cli.Client;
using Takase.Library.Modelfiles;

namespace Takase.Cli.Commands;

/// <summary>An interactive session through `takase serve`: /api/chat answers, /api/show describes, /api/create saves.</summary>
internal sealed class InteractiveServerBackend(ServerClient client) : IInteractiveBackend
{
    /// <inheritdoc />
    public string Greeting => "Chatting through the server. Type /? for help, /bye to quit.";

    /// <inheritdoc />
    public Task<string> ChatAsync(InteractiveState state, TextWriter output, TextWriter error, CancellationToken cancel)
    {
        var body = new JsonObject
        {
            ["model"] = state.Model,
            ["messages"] = new JsonArray(state.Messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray()),
            ["options"] = state.Options.DeepClone(),
        };
        if (state.Format is { } format) body["format"] = format;
        if (state.Think is { } think) body["think"] = think;
        return RemoteRun.PrintStreamAsync(client.StreamAsync("/api/chat", body, cancel), output, error, state.Verbose);
    }

    /// <inheritdoc />
    public async Task<JsonObject> ShowAsync(InteractiveState state, CancellationToken cancel) =>
        (await client.PostAsync("/api/show", new { model = state.Model }, cancel)).AsObject();

    /// <inheritdoc />
    public async Task<bool> LoadAsync(string model, CancellationToken cancel)
    {
        try
        {
            await client.PostAsync("/api/show", new { model }, cancel);
            return true;
        }
        catch (ServerErrorException e) when (e.Status == 404)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task SaveAsync(string name, InteractiveState state, CancellationToken cancel)
    {
        try
        {
            await CreateAsync(name, state.Model, state, cancel);
        }
        catch (ServerErrorException e) when (e.Status == 404 || e.Message.Contains("not found", StringComparison.Ordinal))
        {
            // A loose GGUF file in the server's folder is no library model, so FROM its name finds nothing; FROM the
            // file itself (the FROM line of its Modelfile) builds the same model.
            var show = await client.PostAsync("/api/show", new { model = state.Model }, cancel);
            var from = ModelfileParser.Parse((string?)show["modelfile"] ?? "").From;
            if (string.IsNullOrEmpty(from) || from == state.Model) throw;
            await CreateAsync(name, from, state, cancel);
        }
    }

    private async Task CreateAsync(string name, string from, InteractiveState state, CancellationToken cancel)
    {
        var body = new JsonObject { ["model"] = name, ["from"] = from };
        if (state.System is { } system) body["system"] = system;
        if (state.Options.Count > 0) body["parameters"] = state.Options.DeepClone();
        var messages = state.Messages.Where(m => m.Role != "system").ToList();
        if (messages.Count > 0)
            body["messages"] = new JsonArray(messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray());
        await foreach (var _ in client.StreamAsync("/api/create", body, cancel)) { }
    }

    /// <inheritdoc />
    public void Reset() { }
}
