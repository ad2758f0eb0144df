using Takase.Routing.Decisions;

namespace Takase.Routing.Cascade;

/// <summary>A verifier's judgement of a cheaper target's answer.</summary>
public enum VerifierVerdict
{
    /// <summary>"yes": the answer is adequate; keep it.</summary>
    Adequate,
    /// <summary>"no": escalate to the next tier.</summary>
    Inadequate,
    /// <summary>The reply said neither; treated as "no" (escalate), since a confused verifier proves nothing.</summary>
    Unclear,
}

/// <summary>
/// The verifier step of a cascade: the prompt that asks a (usually stronger or specialised) target whether an answer
/// is adequate, and the reading of its one-word reply.
/// </summary>
public static class CascadeVerifier
{
    private const string Instructions =
        "You check answers written by an assistant. Read the user's request and the assistant's answer. "
        + "Reply with exactly one word: \"yes\" if the answer is correct, complete and follows the request, "
        + "or \"no\" if it is wrong, incomplete, evasive or off-topic. Do not explain.";

    /// <summary>The messages to send to the verifier target for <paramref name="question"/> and <paramref name="answer"/>.</summary>
    public static IReadOnlyList<RouteMessage> Prompt(string question, string answer) =>
    [
        new("system", Instructions),
        new("user", $"Request:\n<<<\n{question}\n>>>\n\nAnswer:\n<<<\n{answer}\n>>>\n\nIs the answer adequate? Reply yes or no."),
    ];

    /// <summary>
    /// Reads a verifier's reply: the first "yes" or "no" on its first non-empty line (after any &lt;think&gt; block a
    /// reasoning model writes), ignoring case, punctuation and markdown; also はい/いいえ. Anything else is
    /// <see cref="VerifierVerdict.Unclear"/>.
    /// </summary>
    public static VerifierVerdict Parse(string? reply)
    {
        if (string.IsNullOrWhiteSpace(reply)) return VerifierVerdict.Unclear;
        var text = reply.AsSpan();
        var thinkEnd = text.IndexOf("</think>", StringComparison.OrdinalIgnoreCase);
        if (thinkEnd >= 0) text = text[(thinkEnd + "</think>".Length)..];
        text = text.TrimStart();
        var lineEnd = text.IndexOfAny('\r', '\n');
        if (lineEnd >= 0) text = text[..lineEnd];

        while (!text.IsEmpty)
        {
            var start = 0;
            while (start < text.Length && !char.IsLetter(text[start])) start++;
            var end = start;
            while (end < text.Length && char.IsLetter(text[end])) end++;
            var word = text[start..end];
            if (word.Equals("yes", StringComparison.OrdinalIgnoreCase) || word.SequenceEqual("はい")) return VerifierVerdict.Adequate;
            if (word.Equals("no", StringComparison.OrdinalIgnoreCase) || word.SequenceEqual("いいえ")) return VerifierVerdict.Inadequate;
            text = text[end..];
        }
        return VerifierVerdict.Unclear;
    }
}
