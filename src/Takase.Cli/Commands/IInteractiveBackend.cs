using System.Text.Json.Nodes;

namespace Takase.Cli.Commands;

/// <summary>
/// What an interactive session needs from whatever runs the model: the server (<see cref="InteractiveServerBackend"/>)
/// or the engine in this process (<see cref="InteractiveLocalBackend"/>). The session owns the conversation and the
/// commands; a backend answers, describes the model, switches models and saves sessions.
/// </summary>
internal interface IInteractiveBackend
{
    /// <summary>One line printed when the session starts (how the model will be talked to).</summary>
    string Greeting { get; }

    /// <summary>
    /// Answers the conversation in <paramref name="state"/> (its last message is the user's new one), writing the
    /// answer to <paramref name="output"/> as it arrives and the speeds to <paramref name="error"/> when verbose.
    /// Returns the answer's text.
    /// </summary>
    Task<string> ChatAsync(InteractiveState state, TextWriter output, TextWriter error, CancellationToken cancel);

    /// <summary>The model's description in /api/show's shape (details, model_info, template, system, parameters, license, modelfile).</summary>
    Task<JsonObject> ShowAsync(InteractiveState state, CancellationToken cancel);

    /// <summary>Switches to <paramref name="model"/>; false (and nothing changes) when there is no such model.</summary>
    Task<bool> LoadAsync(string model, CancellationToken cancel);

    /// <summary>Saves the session as a new model called <paramref name="name"/> (FROM the current model, with its SYSTEM, PARAMETERs and MESSAGEs).</summary>
    /// <exception cref="NotSupportedException">This backend cannot create models.</exception>
    Task SaveAsync(string name, InteractiveState state, CancellationToken cancel);

    /// <summary>Forgets what the backend cached about the conversation (/clear, /load).</summary>
    void Reset();
}
