using System.Text.Json.Nodes;
using Takase.Server.Persistence;

namespace Takase.Server.Feedback;

/// <summary>
/// Feedback as training data for the router, in the format of ../shared/data/routing (one prompt per line with a score
/// per model), so `takase router train` learns from what users and operators said. Each prompt's scores come from its
/// events: a preference scores the chosen target 1 and the rejected one 0; a thumb scores its target 1 or 0; a 1–5
/// rating scores (r − 1)/4. Several events on one prompt and target average. A prompt appears only once two or more
/// targets have a score — a router learns from the difference between them.
/// </summary>
public static class FeedbackDataset
{
    /// <summary>The JSONL lines, one per prompt with at least two scored targets, in the order prompts were first seen.</summary>
    public static IEnumerable<string> ToRoutingJsonl(IEnumerable<FeedbackEvent> events)
    {
        var prompts = new Dictionary<string, Dictionary<string, List<double>>>(StringComparer.Ordinal);
        var order = new List<string>();
        void Score(string prompt, string? target, double score)
        {
            if (string.IsNullOrWhiteSpace(target)) return;
            if (!prompts.TryGetValue(prompt, out var targets))
            {
                prompts[prompt] = targets = new Dictionary<string, List<double>>(StringComparer.Ordinal);
                order.Add(prompt);
            }
            if (!targets.TryGetValue(target, out var scores)) targets[target] = scores = [];
            scores.Add(score);
        }
        foreach (var e in events)
        {
            if (string.IsNullOrWhiteSpace(e.Prompt)) continue;
            switch (e.Kind)
            {
                case FeedbackKind.Preference:
                    Score(e.Prompt, e.Target, 1);
                    Score(e.Prompt, e.OtherTarget, 0);
                    break;
                case FeedbackKind.Rating when e.Thumb is { } thumb:
                    Score(e.Prompt, e.Target, thumb > 0 ? 1 : 0);
                    break;
                case FeedbackKind.Rating when e.Score is { } stars:
                    Score(e.Prompt, e.Target, (stars - 1) / 4.0);
                    break;
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
