using Takase.Server.Persistence;

namespace Takase.Server.Feedback;

/// <summary>
/// What one feedback event says about the targets' answers to its prompt, as quality scores 0..1 — the rule both the
/// training export (<see cref="FeedbackDataset"/>) and the online update (<see cref="OnlineRouterLearning"/>) apply:
/// <list type="bullet">
/// <item>a preference scores the chosen target 1 and the rejected one 0;</item>
/// <item>a thumb scores its target 1 (up) or 0 (down); a 1–5 rating scores (r − 1)/4;</item>
/// <item>an edit (an operator corrected the AI answer) scores the target whose answer was edited
/// <see cref="EditedScore"/> = ½ × similarity(original, corrected) — a person had to step in, so it is at most half
/// good, a light touch-up keeps most of that half and a rewrite scores about 0 — and scores the target credited with
/// the correction (<see cref="FeedbackEvent.OtherTarget"/> once <see cref="FeedbackContext"/> has resolved it: the
/// route's strongest candidate, often the human desk) 1.</item>
/// </list>
/// </summary>
public static class FeedbackScores
{
    /// <summary>The longest prefix of each text the edit similarity compares (keeps it O(4·10⁶) per edit).</summary>
    public const int MaxComparedChars = 2000;

    /// <summary>The (target, score) pairs of <paramref name="e"/>; empty when it names no target.</summary>
    public static IEnumerable<(string Target, double Score)> Of(FeedbackEvent e)
    {
        switch (e.Kind)
        {
            case FeedbackKind.Preference:
                if (Named(e.Target)) yield return (e.Target!, 1);
                if (Named(e.OtherTarget)) yield return (e.OtherTarget!, 0);
                break;
            case FeedbackKind.Rating when e.Thumb is { } thumb:
                if (Named(e.Target)) yield return (e.Target!, thumb > 0 ? 1 : 0);
                break;
            case FeedbackKind.Rating when e.Score is { } stars:
                if (Named(e.Target)) yield return (e.Target!, (stars - 1) / 4.0);
                break;
            case FeedbackKind.Edit:
                if (Named(e.Target)) yield return (e.Target!, EditedScore(e.Answer, e.EditedText));
                if (Named(e.OtherTarget) && e.OtherTarget != e.Target) yield return (e.OtherTarget!, 1);
                break;
        }
    }

    /// <summary>½ × (1 − edit distance / longer length) of the original and the corrected answer (0 when the original is unknown).</summary>
    public static double EditedScore(string? original, string? corrected)
    {
        if (string.IsNullOrEmpty(original) || corrected is null) return 0;
        var a = original.AsSpan(0, Math.Min(original.Length, MaxComparedChars));
        var b = corrected.AsSpan(0, Math.Min(corrected.Length, MaxComparedChars));
        var longer = Math.Max(a.Length, b.Length);
        return longer == 0 ? 0.5 : 0.5 * (1 - (double)Levenshtein(a, b) / longer);
    }

    /// <summary>Insertions, deletions and substitutions (of UTF-16 units) turning <paramref name="a"/> into <paramref name="b"/>.</summary>
    internal static int Levenshtein(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    private static bool Named(string? target) => !string.IsNullOrWhiteSpace(target);
}
