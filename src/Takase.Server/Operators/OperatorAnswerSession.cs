using System.Runtime.CompilerServices;
using Takase.Engine.Generation;
using Takase.Server.Inference;

namespace Takase.Server.Operators;

/// <summary>
/// An operator's answer as the endpoints read a model's: the text as one piece, then a plain "stop" ending with no
/// token counts (a person spends none). <see cref="ModelName"/> is the human target's name.
/// </summary>
internal sealed class OperatorAnswerSession(string target, string answer, TimeSpan waited) : IAnswerSession
{
    /// <inheritdoc />
    public string ModelName => target;
    /// <inheritdoc />
    public int PromptTokens => 0;
    /// <inheritdoc />
    public InferenceResult? Result { get; private set; }

    /// <inheritdoc />
    public async IAsyncEnumerable<InferenceChunk> ReadAsync([EnumeratorCancellation] CancellationToken cancel = default)
    {
        await Task.CompletedTask;
        cancel.ThrowIfCancellationRequested();
        yield return new InferenceChunk { Content = answer };
        Result = new InferenceResult
        {
            Reason = DoneReason.Stop,
            Stats = new GenerationStats { PromptDuration = waited, DoneReason = DoneReason.Stop },
            TotalDuration = waited,
        };
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
