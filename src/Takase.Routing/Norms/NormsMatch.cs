using System.Text.RegularExpressions;

namespace Takase.Routing.Norms;

/// <summary>What a rule looks for: keywords, a regular expression, or a label a classifier target gives the text.</summary>
public abstract record NormsMatch
{
    /// <summary>How long one regular expression may look at one text before the match counts as failed.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(250);

    private NormsMatch() { }

    /// <summary>Words or phrases, case-insensitive, on word boundaries ("ban" does not match "banana").</summary>
    public sealed record Keywords(IReadOnlyList<string> Words) : NormsMatch
    {
        /// <summary>One expression for all the words, longest first so a phrase wins over its first word.</summary>
        public Regex Expression { get; } = new(
            @"(?<!\w)(?:" + string.Join("|", Words.OrderByDescending(w => w.Length).Select(Regex.Escape)) + @")(?!\w)",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, RegexTimeout);
    }

    /// <summary>A regular expression, case-insensitive.</summary>
    public sealed record Pattern(Regex Expression) : NormsMatch;

    /// <summary>A target labels the text; the rule matches on one of <paramref name="Labels"/>.</summary>
    public sealed record Classifier(string Target, IReadOnlyList<string> Labels) : NormsMatch;

    /// <summary>The expression a text match uses, or null for a classifier.</summary>
    public Regex? TextPattern => this switch
    {
        Keywords k => k.Expression,
        Pattern p => p.Expression,
        _ => null,
    };
}
