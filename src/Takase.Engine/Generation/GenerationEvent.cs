namespace Takase.Engine.Generation;

/// <summary>A candidate token with its log-probability, for logprobs output.</summary>
public readonly record struct TokenLogprob(int Token, string Text, float Logprob);

/// <summary>
/// What a running generation reports: a generated token with the text it completes (possibly empty while a
/// UTF-8 character or a possible stop string is held back), or the end with its statistics.
/// </summary>
public sealed record GenerationEvent
{
    /// <summary>Text that is final and can be sent to the client.</summary>
    public string Text { get; init; } = "";
    /// <summary>The token generated in this step, or -1 for events that carry only text or the end.</summary>
    public int Token { get; init; } = -1;
    /// <summary>Log-probability of <see cref="Token"/> under the model, when asked for.</summary>
    public float? Logprob { get; init; }
    /// <summary>The most likely alternatives at this step, when asked for.</summary>
    public IReadOnlyList<TokenLogprob>? TopLogprobs { get; init; }
    /// <summary>Set on the last event.</summary>
    public GenerationStats? Done { get; init; }
    /// <summary>Set when the generation failed; the last event.</summary>
    public Exception? Error { get; init; }
}
