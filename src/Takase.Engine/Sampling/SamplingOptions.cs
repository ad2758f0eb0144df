namespace Takase.Engine.Sampling;

/// <summary>
/// How a <see cref="Sampler"/> turns logits into a token. Defaults match Ollama's, so a request that sets
/// nothing behaves as it would there. Values arrive from users (API requests, Modelfiles), hence
/// <see cref="Validate"/>.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>Divides the logits before the draw; 1 leaves them, above 1 flattens, below 1 sharpens.
    /// Zero or less means greedy: the highest logit wins (the lowest id on ties).</summary>
    public float Temperature { get; init; } = 0.8f;

    /// <summary>Keep only the K most likely tokens; 0 keeps all.</summary>
    public int TopK { get; init; } = 40;

    /// <summary>Keep the smallest set of most likely tokens whose probabilities add up to at least P; 1 keeps all.</summary>
    public float TopP { get; init; } = 0.9f;

    /// <summary>Drop tokens whose probability is below MinP times that of the most likely token; 0 keeps all.</summary>
    public float MinP { get; init; }

    /// <summary>Discourages tokens seen in the last <see cref="RepeatLastN"/> tokens, as llama.cpp does:
    /// positive logits are divided by it, negative ones multiplied. 1 is off.</summary>
    public float RepeatPenalty { get; init; } = 1.1f;

    /// <summary>How many of the most recent accepted tokens the penalties look at; 0 turns the penalties off,
    /// -1 looks at every token accepted since the last <see cref="Sampler.Reset"/>.</summary>
    public int RepeatLastN { get; init; } = 64;

    /// <summary>Subtracted once from the logit of every token present in the penalty window (OpenAI's presence_penalty).</summary>
    public float PresencePenalty { get; init; }

    /// <summary>Subtracted per occurrence from the logit of every token in the penalty window (OpenAI's frequency_penalty).</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>Seed of the random stream; the same seed with the same options and logits gives the same tokens.
    /// Null picks a random seed (see <see cref="Sampler.Seed"/> for the one chosen).</summary>
    public long? Seed { get; init; }

    /// <summary>Added to the logits of the given token ids before anything else; negative infinity bans a token.</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>Checks every option for values that cannot be meant; throws an <see cref="ArgumentException"/>
    /// whose parameter name is the option, so an API layer can report which one to fix.</summary>
    public void Validate()
    {
        RequireFinite(Temperature, nameof(Temperature));
        if (TopK < 0)
            throw new ArgumentException($"TopK must be 0 (keep all tokens) or positive; got {TopK}.", nameof(TopK));
        RequireFinite(TopP, nameof(TopP));
        if (TopP is < 0 or > 1)
            throw new ArgumentException($"TopP must be between 0 and 1; got {TopP}.", nameof(TopP));
        RequireFinite(MinP, nameof(MinP));
        if (MinP is < 0 or > 1)
            throw new ArgumentException($"MinP must be between 0 and 1; got {MinP}.", nameof(MinP));
        RequireFinite(RepeatPenalty, nameof(RepeatPenalty));
        if (RepeatPenalty <= 0)
            throw new ArgumentException($"RepeatPenalty must be positive (1 turns it off); got {RepeatPenalty}.", nameof(RepeatPenalty));
        if (RepeatLastN < -1)
            throw new ArgumentException($"RepeatLastN must be -1 (all tokens), 0 (off) or a positive window; got {RepeatLastN}.", nameof(RepeatLastN));
        RequireFinite(PresencePenalty, nameof(PresencePenalty));
        RequireFinite(FrequencyPenalty, nameof(FrequencyPenalty));
        if (LogitBias is not null)
        {
            foreach (var (token, bias) in LogitBias)
            {
                if (token < 0)
                    throw new ArgumentException($"LogitBias names token id {token}; token ids are not negative.", nameof(LogitBias));
                if (float.IsNaN(bias) || float.IsPositiveInfinity(bias))
                    throw new ArgumentException($"LogitBias for token {token} is {bias}; use a finite value, or negative infinity to ban the token.", nameof(LogitBias));
            }
        }
    }

    private static void RequireFinite(float value, string name)
    {
        if (!float.IsFinite(value))
            throw new ArgumentException($"{name} must be a finite number; got {value}.", name);
    }
}
