using Takase.Routing.Decisions;
using Takase.Routing.Language;

namespace Takase.Routing.Rules;

/// <summary>
/// What the rules look at, computed once per request: the conversation's text (keywords and patterns match all of it,
/// since all of it is sent to the target), the language of the scored text, and the token counts.
/// </summary>
internal sealed class PromptFacts
{
    /// <summary>Answer tokens assumed when the request sets no limit, for context fit and cost estimates.</summary>
    public const int AssumedAnswerTokens = 256;

    public PromptFacts(RouteRequest request)
    {
        Request = request;
        ScoredText = request.ScoredText;
        ConversationText = request.Messages.Count == 1
            ? request.Messages[0].Content
            : string.Join("\n", request.Messages.Select(m => m.Content));
        Language = LanguageDetector.Detect(ScoredText);
        PromptTokensEstimated = request.PromptTokens is null;
        PromptTokens = request.PromptTokens ?? TokenEstimator.Estimate(request.Messages);
        AnswerTokensAssumed = request.MaxOutputTokens is null;
        AnswerTokens = request.MaxOutputTokens ?? AssumedAnswerTokens;
    }

    public RouteRequest Request { get; }
    public string ScoredText { get; }
    public string ConversationText { get; }
    public DetectedLanguage Language { get; }
    public int PromptTokens { get; }
    public bool PromptTokensEstimated { get; }
    public int AnswerTokens { get; }
    public bool AnswerTokensAssumed { get; }
}
