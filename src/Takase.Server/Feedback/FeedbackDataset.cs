using System.Text.Json.Nodes;
using Takase.Server.Persistence;

namespace Takase.Server.Feedback;

/// <summary>
/// Feedback as training data for the router, in the format of ../shared/data/routing (one prompt per line with a score
/// per model), so `takase router train` learns from what users and operators said. Each event scores targets by
/// <see cref="FeedbackScores"/>: a preference scores the chosen target 1 and the rejected one 0; a thumb 1 or 0; a 1–5
/// rating (r − 1)/4; an operator edit scores the edited target ½ × similarity(original, corrected) and the target
/// credited with the correction (the route's strongest candidate) 1 — so every edit says "the routed target was not
/// good enough for this prompt". Events are resolved through <see cref="FeedbackContext"/> first (an edit recorded
/// with only its ticket's route gets its prompt from the ticket). Several events on one prompt and target average. A
/// prompt appears only once two or more targets have a score — a router learns from the difference between them.
/// </summary>
public static class FeedbackDataset
{
    /// <summary>The JSONL lines, one per prompt with at least two scored targets, in the order prompts were first seen.</summary>
    public static IEnumerable<string> ToRoutingJsonl(IEnumerable<FeedbackEvent> events)
    {
        var prompts = new Dictionary<string, Dictionary<string, List<double>>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var e in events)
        {
            if (string.IsNullOrWhiteSpace(e.Prompt)) continue;
            foreach (var (target, score) in FeedbackScores.Of(e))
            {
                if (!prompts.TryGetValue(e.Prompt, out var targets))
                {
                    prompts[e.Prompt] = targets = new Dictionary<string, List<double>>(StringComparer.Ordinal);
                    order.Add(e.Prompt);
                }
                if (!targets.TryGetValue(target, out var scores)) targets[target] = scores = [];
                scores.Add(score);
            }
        }
        var line = 0;
        foreach (var prompt in order)
        {
            var targets = prompts[prompt];
            if (targets.Count < 2) continue;
            var scores = new JsonObject();
            foreach (var (target, values) in targets) scores[target] = values.Average();
            yield return new JsonObject
            {
                ["id"] = $"feedback-{++line}",
                ["category"] = "feedback",
                ["prompt"] = prompt,
                ["scores"] = scores,
            }.ToJsonString();
        }
    }
}
