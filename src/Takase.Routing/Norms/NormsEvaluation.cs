using System.Text.RegularExpressions;

namespace Takase.Routing.Norms;

/// <summary>
/// Applies a <see cref="NormsProfile"/>: overlays onto the system text, and rules onto a text (first match wins, in
/// order). Deterministic for keyword and regex rules; a classifier rule asks its target through
/// <see cref="INormsClassifier"/>.
/// </summary>
public static class NormsEvaluation
{
    /// <summary>
    /// The system text after the overlays, in order: Prepend and Append join with a blank line, Replace discards what
    /// was there. <paramref name="system"/> is the request's system message, else the model's SYSTEM (null: none).
    /// Null stays null when there are no overlays.
    /// </summary>
    public static string? ApplyOverlays(string? system, IReadOnlyList<NormsOverlay> overlays)
    {
        foreach (var o in overlays)
        {
            system = o.Position switch
            {
                OverlayPosition.Prepend => string.IsNullOrEmpty(system) ? o.Text : o.Text + "\n\n" + system,
                OverlayPosition.Append => string.IsNullOrEmpty(system) ? o.Text : system + "\n\n" + o.Text,
                _ => o.Text,
            };
        }
        return system;
    }

    /// <summary>
    /// The first rule of <paramref name="rules"/> that matches <paramref name="text"/>, applied. A regular expression
    /// that runs out of time counts as a match (the norms fail closed, never open). When <paramref name="seen"/> is
    /// given (the text after a privacy screen), the rules match and classifiers label it, and a Rewrite still applies
    /// its pattern to <paramref name="text"/>, so protected values never reach a classifier and rewrites keep them.
    /// </summary>
    /// <exception cref="InvalidOperationException">a classifier rule and no <paramref name="classifier"/>.</exception>
    public static async Task<NormsVerdict> EvaluateAsync(IReadOnlyList<NormsRule> rules, string text, INormsClassifier? classifier,
        CancellationToken cancel, string? seen = null)
    {
        seen ??= text;
        foreach (var rule in rules)
        {
            if (rule.Match is NormsMatch.Classifier c)
            {
                if (classifier is null) throw new InvalidOperationException($"the norms rule '{rule.Name}' needs a classifier, and none is available");
                var label = (await classifier.LabelAsync(c.Target, seen, c.Labels, cancel)).Trim();
                if (!c.Labels.Contains(label, StringComparer.OrdinalIgnoreCase)) continue;
                return new NormsVerdict(rule.Name, rule.Action, rule.Action.Kind == NormsActionKind.Rewrite ? rule.Action.Replacement! : text);
            }
            var pattern = rule.Match.TextPattern!;
            bool matched;
            try
            {
                matched = pattern.IsMatch(seen);
            }
            catch (RegexMatchTimeoutException)
            {
                matched = true;
            }
            if (!matched) continue;
            var result = rule.Action.Kind == NormsActionKind.Rewrite ? Rewrite(pattern, text, rule.Action.Replacement!) : text;
            return new NormsVerdict(rule.Name, rule.Action, result);
        }
        return NormsVerdict.Pass(text);
    }

    /// <summary>Each match replaced literally ("$1" in a replacement is text, not a group).</summary>
    private static string Rewrite(Regex pattern, string text, string replacement)
    {
        try
        {
            return pattern.Replace(text, _ => replacement);
        }
        catch (RegexMatchTimeoutException)
        {
            return replacement;
        }
    }

    /// <summary>
    /// Input rules over a conversation's user messages, in order: rewrites change their message and evaluation goes
    /// on; the first Refuse, Escalate or Route ends it. <paramref name="view"/> gives the text the rules see (a privacy
    /// screen's), as <see cref="EvaluateAsync"/> describes. Returns the (rewritten) texts and the deciding verdict — the
    /// diverting one, else the last rule that matched, else a pass.
    /// </summary>
    public static async Task<(IReadOnlyList<string> Texts, NormsVerdict Verdict)> EvaluateInputAsync(IReadOnlyList<NormsRule> rules,
        IReadOnlyList<(string Role, string Text)> messages, INormsClassifier? classifier, CancellationToken cancel, Func<string, string>? view = null)
    {
        var texts = messages.Select(m => m.Text).ToList();
        var deciding = NormsVerdict.Pass("");
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i].Role != "user" || rules.Count == 0) continue;
            var verdict = await EvaluateAsync(rules, texts[i], classifier, cancel, view?.Invoke(texts[i]));
            texts[i] = verdict.Text;
            if (verdict.Rule is not null) deciding = verdict;
            if (verdict.Diverts) break;
        }
        return (texts, deciding);
    }
}
