namespace Takase.Engine.Sampling;

/// <summary>
/// Restricts which tokens may come next (a grammar, a JSON schema). The sampler asks <see cref="IsAllowed"/> about
/// the token it picked and only when that one is refused does it call <see cref="Apply"/> to mask the whole
/// vocabulary and sample again, so the common case costs one check per token.
/// </summary>
public interface ITokenConstraint
{
    /// <summary>Whether <paramref name="token"/> may come next.</summary>
    bool IsAllowed(int token);

    /// <summary>Sets the logit of every token that may not come next to negative infinity.</summary>
    void Apply(Span<float> logits);

    /// <summary>Advances the constraint past <paramref name="token"/>, which must be allowed.</summary>
    void Accept(int token);

    /// <summary>True when the text so far is complete (an end-of-generation token is allowed now).</summary>
    bool IsComplete { get; }

    /// <summary>Returns to the start state, for a new generation.</summary>
    void Reset();
}
