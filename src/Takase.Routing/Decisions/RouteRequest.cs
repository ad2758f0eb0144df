namespace Takase.Routing.Decisions;

/// <summary>A chat turn as the router sees it (text only; tools and images are described by flags on the request).</summary>
/// <param name="Role">system, user, assistant or tool.</param>
/// <param name="Content">The text.</param>
public sealed record RouteMessage(string Role, string Content);

/// <summary>What the router decides on: the conversation and what the answer must be able to do.</summary>
public sealed record RouteRequest
{
    /// <summary>The profile (the model name the client asked for).</summary>
    public required string Profile { get; init; }
    /// <summary>The conversation; the last user message is what learned strategies score.</summary>
    public required IReadOnlyList<RouteMessage> Messages { get; init; }
    /// <summary>The request carries tools the answer may call.</summary>
    public bool NeedsTools { get; init; }
    /// <summary>The request asks for JSON output.</summary>
    public bool NeedsJson { get; init; }
    /// <summary>The request has images.</summary>
    public bool NeedsVision { get; init; }
    /// <summary>Prompt length in tokens, estimated by the caller (null: the router estimates from characters).</summary>
    public int? PromptTokens { get; init; }
    /// <summary>The most tokens the answer may take (for context fit and cost), or null.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary>
    /// What the profile's privacy screen found, when the caller screened the request already (then
    /// <see cref="Messages"/> hold the screened text, <see cref="Privacy.ScreenedText.ForRouter"/>); null: the router
    /// screens the messages itself with the profile's policy.
    /// </summary>
    public Privacy.PrivacyFindings? Privacy { get; init; }

    /// <summary>The text learned strategies score: the last user message (the whole conversation when there is none).</summary>
    public string ScoredText =>
        Messages.LastOrDefault(m => m.Role == "user")?.Content ?? string.Join("\n", Messages.Select(m => m.Content));
}
