namespace Takase.Engine.Sampling;

/// <summary>A token still in the running during one <see cref="Sampler.Sample"/> call.</summary>
internal struct TokenCandidate
{
    public int Id;
    public float Logit;

    public TokenCandidate(int id, float logit)
    {
        Id = id;
        Logit = logit;
    }

    /// <summary>The sampler's one total order: higher logit first, lower id first on ties, so every stage
    /// (top-k, sorting, greedy) breaks ties the same way and results never depend on the sort algorithm.</summary>
    public static bool IsBetter(in TokenCandidate a, in TokenCandidate b) =>
        a.Logit > b.Logit || (a.Logit == b.Logit && a.Id < b.Id);

    /// <summary>Sorts best first. A static delegate rather than a struct <c>IComparer</c>: <c>Span.Sort</c> boxes
    /// comparers, and the sampler must not allocate per call.</summary>
    public static readonly Comparison<TokenCandidate> CompareBestFirst = static (x, y) =>
        IsBetter(x, y) ? -1 : IsBetter(y, x) ? 1 : 0;
}
