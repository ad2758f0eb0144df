using System.Globalization;

namespace Takase.Routing.Priors;

/// <summary>
/// Routing by evaluation priors: the request's category picks each candidate's prior quality; the cheapest eligible
/// candidate (profile order) whose prior reaches the profile's bar is chosen, else the eligible one with the best prior.
/// Candidates never evaluated are passed over; when none of the eligible ones was, priors cannot decide.
/// </summary>
internal static class PriorChoice
{
    /// <summary>The bar when a profile sets no MinQuality.</summary>
    public const double DefaultBar = 0.7;

    /// <summary>The choice, why (with the numbers), and each candidate's prior quality; null when priors cannot decide.</summary>
    public static (int Chosen, string Why, double?[] Quality)? Choose(RoutingPriors? priors, double bar, string text,
        IReadOnlyList<string> candidates, List<int> eligible, List<string> notes)
    {
        if (priors is null) return null;
        var (category, similarity) = priors.Categorize(text);
        var estimates = candidates.Select(c => priors.Estimate(c, category)).ToArray();
        var rated = eligible.Where(i => estimates[i] is not null).ToList();
        if (rated.Count == 0)
        {
            notes.Add($"no evaluation priors for {string.Join(", ", eligible.Select(i => candidates[i]))}; store one with: takase eval MODEL DATASET --save --target NAME");
            return null;
        }

        var quality = estimates.Select(e => e?.Quality).ToArray();
        var matched = category is null
            ? $"request matches no evaluated category (best similarity {F(similarity)}, floor {F(priors.SimilarityFloor)})"
            : $"request category {category} (similarity {F(similarity)})";
        var reaching = rated.FirstOrDefault(i => estimates[i]!.Quality >= bar, -1);
        int chosen;
        string verdict;
        if (reaching >= 0)
        {
            chosen = reaching;
            verdict = rated.Count == 1 ? "the only evaluated eligible candidate, and it reaches the bar" : "the cheapest eligible candidate that reaches it";
        }
        else
        {
            chosen = rated.MaxBy(i => estimates[i]!.Quality);
            verdict = "no eligible candidate reaches it, so the best prior";
        }
        var others = rated.Where(i => i != chosen).Select(i => estimates[i]!.Describe()).ToList();
        var why = $"priors: {estimates[chosen]!.Describe()}; bar {F(bar)}: {verdict}; {matched}"
                  + (others.Count == 0 ? "" : $"; others: {string.Join("; ", others)}");
        return (chosen, why, quality);
    }

    private static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
}
