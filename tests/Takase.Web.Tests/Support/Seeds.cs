using Takase.Routing.Decisions;
using Takase.Server.Persistence;

namespace Takase.Web.Tests.Support;

/// <summary>Conversations and routing decisions the ticket tests open.</summary>
public static class Seeds
{
    /// <summary>
    /// The client's question. It starts with 𠮷 (a surrogate pair), so a UTF-16 position and a code-point position
    /// differ for everything after it, as they do in real Japanese text with rare kanji or emoji.
    /// </summary>
    public const string Question = "𠮷田です。先月の請求について苦情があります。返金の手続きを教えてください。";

    /// <summary>The AI draft of the ticket.</summary>
    public const string Draft = "𠮷田様、ご不便をおかけして申し訳ございません。返金の手続きをご案内いたします。";

    /// <summary>A conversation with a system prompt, an earlier exchange and <see cref="Question"/> last.</summary>
    public static TicketMessage[] Conversation() =>
    [
        TicketMessage.New("system", "You are the support desk of a utility company."),
        TicketMessage.New("user", "こんにちは"),
        TicketMessage.New("assistant", "こんにちは。ご用件をどうぞ。"),
        TicketMessage.New("user", Question),
    ];

    /// <summary>A contribution of the substring <paramref name="text"/> of <see cref="Question"/>, at its UTF-16 position.</summary>
    public static Contribution Gram(string text, double weight)
    {
        var start = Question.IndexOf(text, StringComparison.Ordinal);
        if (start < 0) throw new ArgumentException($"'{text}' is not in the seeded question");
        return new Contribution("ngram:" + text, weight, text, start, text.Length);
    }

    /// <summary>
    /// A decision as the n-gram router writes one for <see cref="Question"/>: the desk chosen, a remote target
    /// excluded, strongest contributions first — "情が" overlaps the stronger "苦情" and is therefore not marked.
    /// </summary>
    public static RouteDecision Decision() => new()
    {
        Id = "rt_" + Guid.NewGuid().ToString("N"),
        CreatedAt = DateTimeOffset.UtcNow.AddMinutes(-4),
        Profile = "support",
        Strategy = "NGram",
        Candidates =
        [
            new CandidateAssessment("desk", true, null, 0.87, 0),
            new CandidateAssessment("local", true, null, 0.41, 0.00002),
            new CandidateAssessment("gpt", false, "the prompt contains PERSON (local-only)", null, 0.0031),
        ],
        Order = ["desk", "local"],
        Score = 0.91,
        Thresholds = [0.5, 0.8],
        Contributions =
        [
            Gram("苦情", 0.92),
            Gram("返金", 0.61),
            Gram("教えて", -0.44),
            Gram("情が", 0.30),
            new Contribution("stat:length", 0.12),
        ],
        Reason = "a complaint about a bill: the score 0.91 is above 0.8, so the desk answers",
        Hops = [new RouteHop("desk", "queued", TimeSpan.FromMilliseconds(12))],
    };
}
