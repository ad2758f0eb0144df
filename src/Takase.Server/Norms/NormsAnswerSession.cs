using System.Runtime.CompilerServices;
using Takase.Engine.Generation;
using Takase.Server.Inference;

namespace Takase.Server.Norms;

/// <summary>
/// An answer the norms wrote instead of a model (a Refuse rule's message, or where an escalated request's ticket is):
/// the text as one piece and a plain "stop", with no token counts (no model ran).
/// </summary>
internal sealed class NormsAnswerSession(string model, string text) : IAnswerSession
{
    /// <inheritdoc />
    public string ModelName => model;
    /// <inheritdoc />
    public int PromptTokens => 0;
    /// <inheritdoc />
    public InferenceResult? Result { get; private set; }

    /// <inheritdoc />
    public async IAsyncEnumerable<InferenceChunk> ReadAsync([EnumeratorCancellation] CancellationToken cancel = default)
    {
        await Task.CompletedTask;
        cancel.ThrowIfCancellationRequested();
        yield return new InferenceChunk { Content = text };
        Result = new InferenceResult { Reason = DoneReason.Stop, Stats = new GenerationStats { DoneReason = DoneReason.Stop } };
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
