using System.Text;
using System.Text.RegularExpressions;
using Takase.Routing.Language;
using Takase.Routing.Profiles;

namespace Takase.Routing.Rules;

/// <summary>
/// A profile rule ready to test prompts: its pattern compiled once at start-up. A rule applies when every condition it
/// sets holds (language, keywords, pattern, token bounds); a rule with no condition always applies.
/// </summary>
internal sealed class CompiledRule
{
    /// <summary>A pattern that runs longer than this on one prompt is abandoned (user-written regexes can backtrack badly).</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    private readonly Regex? _pattern;

    private CompiledRule(RoutingRule rule, Regex? pattern) => (Rule, _pattern) = (rule, pattern);

    public RoutingRule Rule { get; }

    /// <summary>Compiles <paramref name="rule"/>; throws <see cref="ArgumentException"/> for an invalid pattern.</summary>
    public static CompiledRule Compile(RoutingRule rule)
    {
        var pattern = string.IsNullOrEmpty(rule.Pattern)
            ? null
            : new Regex(rule.Pattern, RegexOptions.CultureInvariant, MatchTimeout);
        return new CompiledRule(rule, pattern);
    }

    /// <summary>
    /// Whether the rule applies to the prompt. A pattern that times out counts as matching for privacy rules (when in
    /// doubt, keep the prompt private) and as not matching for the others; <paramref name="note"/> says so.
    /// </summary>
    public bool Applies(PromptFacts facts, out string? note)
    {
        note = null;
        var rule = Rule;
        if (rule.MinTokens is { } min && facts.PromptTokens < min) return false;
        if (rule.MaxTokens is { } max && facts.PromptTokens > max) return false;
        if (rule.Languages is { Count: > 0 } languages
            && !(facts.Language.IsConfident && languages.Any(facts.Language.Matches))) return false;
        if (rule.Keywords is { Count: > 0 } keywords
            && !keywords.Any(k => ContainsKeyword(facts.ConversationText, k))) return false;
        if (_pattern is not null)
        {
            try
            {
                if (!_pattern.IsMatch(facts.ConversationText)) return false;
            }
            catch (RegexMatchTimeoutException)
            {
                var failSafe = rule.Action == RuleAction.LimitPrivacy;
                note = $"rule '{rule.Name}': pattern timed out after {MatchTimeout.TotalMilliseconds:0} ms, "
                       + (failSafe ? "applied to be safe" : "treated as not matching");
                return failSafe;
            }
        }
        return true;
    }

    /// <summary>
    /// Case-insensitive keyword search: whole words for alphabetic keywords ("pass" does not match "password"), any
    /// substring for keywords in Chinese, Japanese or Korean, which are written without spaces between words.
    /// </summary>
    internal static bool ContainsKeyword(string text, string keyword)
    {
        if (keyword.Length == 0) return false;
        var wholeWord = !HasCjk(keyword);
        for (var at = text.IndexOf(keyword, StringComparison.OrdinalIgnoreCase); at >= 0;
             at = text.IndexOf(keyword, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            if (!wholeWord) return true;
            var end = at + keyword.Length;
            if (!IsWordChar(text, at - 1, before: true) && !IsWordChar(text, end, before: false)) return true;
        }
        return false;
    }

    private static bool HasCjk(string s)
    {
        foreach (var rune in s.EnumerateRunes())
            if (LanguageDetector.IsCjk(rune)) return true;
        return false;
    }

    private static bool IsWordChar(string text, int index, bool before)
    {
        if (index < 0 || index >= text.Length) return false;
        // Step over a surrogate pair as one character.
        if (before && char.IsLowSurrogate(text[index]) && index > 0) index--;
        return Rune.TryGetRuneAt(text, index, out var rune) && (Rune.IsLetterOrDigit(rune) || rune.Value == '_');
    }
}
