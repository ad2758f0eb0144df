namespace Takase.Tests.Support;

/// <summary>
/// Labelled routing prompts that an n-gram router learns cleanly: questions about a theorem need the strong tier (the
/// weak one scores 0, the strong one 1) and stories do not (both score 1). The servers of the routing and web tests
/// train their "learned" profile on them, and the dashboard tests evaluate a router on them. Plain data here, since
/// every test project compiles this folder and not all of them reference Takase.Routing.
/// </summary>
public static class TheoremRoutingPrompts
{
    /// <summary>The model names the scores are keyed by.</summary>
    public const string Weak = "weak", Strong = "strong";

    private static readonly string[] Hard = ["Prove this theorem about primes", "Is the theorem true for every n?", "Give a proof of the theorem", "Which theorem applies here?"];
    private static readonly string[] Easy = ["Tell me a story about a cat", "Write a short story for a child", "A story about a dog and a ball", "Once upon a time there was a fox"];

    /// <summary>120 prompts, a hard and an easy one in turn, each numbered so no two are the same.</summary>
    /// <returns>Each prompt's id, text and scores by model (<see cref="Weak"/>, <see cref="Strong"/>).</returns>
    public static IEnumerable<(string Id, string Prompt, IReadOnlyDictionary<string, double> Scores)> Examples()
    {
        for (var i = 0; i < 60; i++)
        {
            yield return ($"h{i}", Hard[i % Hard.Length] + $" #{i}", new Dictionary<string, double> { [Weak] = 0, [Strong] = 1 });
            yield return ($"e{i}", Easy[i % Easy.Length] + $" #{i}", new Dictionary<string, double> { [Weak] = 1, [Strong] = 1 });
        }
    }
}
