namespace Takase.Server.Inference;

/// <summary>
/// An answer the endpoints stream, wherever it is made: the local engine (<see cref="InferenceSession"/>) or a routed
/// target (a remote provider, or a local model chosen by the router). Read <see cref="ReadAsync"/> to its end, then
/// <see cref="Result"/>; disposing releases what the answer holds (a model lease, a connection).
/// </summary>
public interface IAnswerSession : IAsyncDisposable
{
    /// <summary>The model that answers (what responses report as "model").</summary>
    string ModelName { get; }
    /// <summary>Tokens in the prompt (as the answering model counts them; 0 when it does not say).</summary>
    int PromptTokens { get; }
    /// <summary>Set once <see cref="ReadAsync"/> has finished.</summary>
    InferenceResult? Result { get; }
    /// <summary>Streams the answer; errors of the generation are thrown here.</summary>
    IAsyncEnumerable<InferenceChunk> ReadAsync(CancellationToken cancel = default);
}
