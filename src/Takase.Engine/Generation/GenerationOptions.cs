using Takase.Engine.Sampling;

namespace Takase.Engine.Generation;

/// <summary>What to generate: sampling, length, stop strings and what to do when the context fills up.</summary>
public sealed record GenerationOptions
{
    /// <summary>Sampling settings (temperature, top-k, …, seed).</summary>
    public SamplingOptions Sampling { get; init; } = new();
    /// <summary>Most tokens to generate; -1 means until an end token, a stop string or a full context.</summary>
    public int MaxTokens { get; init; } = -1;
    /// <summary>Strings that end the generation; they are not emitted.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];
    /// <summary>When the context is full, drop the older half of the tokens after <see cref="KeepTokens"/> and go on
    /// (as llama.cpp's context shift) instead of failing.</summary>
    public bool ContextShift { get; init; }
    /// <summary>Tokens at the start of the context that a shift keeps (e.g. the system prompt).</summary>
    public int KeepTokens { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first absurd setting.</summary>
    public void Validate()
    {
        Sampling.Validate();
        if (MaxTokens < -1) throw new ArgumentException($"num_predict must be -1 (no limit) or at least 0, not {MaxTokens}");
        if (KeepTokens < 0) throw new ArgumentException($"num_keep must be at least 0, not {KeepTokens}");
    }
}

/// <summary>Why a generation ended, with Ollama's done_reason names.</summary>
public enum DoneReason
{
    /// <summary>An end-of-generation token or a stop string.</summary>
    Stop,
    /// <summary>The token limit was reached.</summary>
    Length,
    /// <summary>The caller cancelled.</summary>
    Cancelled,
}

/// <summary>Counts and timings of one generation, in the units Ollama reports (durations as TimeSpan here).</summary>
public sealed record GenerationStats
{
    /// <summary>Prompt tokens evaluated (not counting those reused from the cache).</summary>
    public int PromptTokens { get; init; }
    /// <summary>Prompt tokens found already in the cache.</summary>
    public int CachedPromptTokens { get; init; }
    /// <summary>Time spent evaluating the prompt.</summary>
    public TimeSpan PromptDuration { get; init; }
    /// <summary>Tokens generated.</summary>
    public int GeneratedTokens { get; init; }
    /// <summary>Time spent generating.</summary>
    public TimeSpan GenerationDuration { get; init; }
    /// <summary>Why it ended.</summary>
    public DoneReason DoneReason { get; init; }
    /// <summary>Prompt tokens per second.</summary>
    public double PromptTokensPerSecond => PromptTokens / Math.Max(PromptDuration.TotalSeconds, 1e-9);
    /// <summary>Generated tokens per second.</summary>
    public double GenerationTokensPerSecond => GeneratedTokens / Math.Max(GenerationDuration.TotalSeconds, 1e-9);
}
