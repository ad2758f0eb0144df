using Takase.Engine.Generation;
using Takase.Engine.Sampling;

namespace Takase.Engine.Scheduling;

/// <summary>One request for a scheduled model: prompt tokens and how to continue them.</summary>
public sealed record GenerationRequest
{
    /// <summary>Prompt token ids.</summary>
    public required IReadOnlyList<int> Prompt { get; init; }
    /// <summary>Sampling, length, stop strings, context shifting.</summary>
    public GenerationOptions Options { get; init; } = new();
    /// <summary>Context window for this request (Ollama's num_ctx); null for the scheduler's default.</summary>
    public int? ContextLength { get; init; }
    /// <summary>Constraint on the output (JSON, a schema, a grammar); null for none.</summary>
    public ITokenConstraint? Constraint { get; init; }
    /// <summary>-1: no log-probabilities; 0: the chosen token's; n: also the n most likely alternatives.</summary>
    public int TopLogprobs { get; init; } = -1;
}

/// <summary>The model's queue is full; the client should retry later.</summary>
public sealed class QueueFullException(int capacity)
    : InvalidOperationException($"the server is busy: {capacity} requests are already waiting for this model; retry shortly")
{
    /// <summary>Queue capacity.</summary>
    public int Capacity { get; } = capacity;
}

/// <summary>The scheduler shut down (its model was unloaded) before the request finished.</summary>
public sealed class SchedulerStoppedException()
    : InvalidOperationException("the model was unloaded before the request finished; retry");
