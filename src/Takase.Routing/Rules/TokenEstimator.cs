using System.Text;
using Takase.Routing.Decisions;
using Takase.Routing.Language;

namespace Takase.Routing.Rules;

/// <summary>
/// Estimates a prompt's length in tokens when the caller did not count them: about four characters per token for
/// Latin and other alphabetic text, about one per character for Chinese, Japanese and Korean — what BPE vocabularies of
/// current models give on average. Used for context fit, token-bound rules and cost estimates, never for billing.
/// </summary>
public static class TokenEstimator
{
    /// <summary>Tokens a chat template adds around each message (role markers, separators).</summary>
    public const int PerMessageOverhead = 4;

    /// <summary>Estimated tokens of <paramref name="text"/>.</summary>
    public static int Estimate(ReadOnlySpan<char> text)
    {
        int cjk = 0, other = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (LanguageDetector.IsCjk(rune)) cjk++;
            else other += rune.Utf16SequenceLength;
        }
        return cjk + (other + 3) / 4;
    }

    /// <summary>Estimated tokens of a conversation, template overhead included.</summary>
    public static int Estimate(IReadOnlyList<RouteMessage> messages)
    {
        var total = 0;
        foreach (var m in messages) total += Estimate(m.Content) + PerMessageOverhead;
        return total;
    }
}
