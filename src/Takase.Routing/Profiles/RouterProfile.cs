using Takase.Routing.Privacy;

namespace Takase.Routing.Profiles;

/// <summary>How a profile picks among its candidates.</summary>
public enum RoutingStrategy
{
    /// <summary>Rules only: the first eligible candidate in the profile's order.</summary>
    Rules,
    /// <summary>A linear model over hashed character n-grams and prompt statistics (exactly explainable).</summary>
    NGram,
    /// <summary>RouteLLM-style matrix factorisation over prompt embeddings.</summary>
    MatrixFactorization,
    /// <summary>Similarity-weighted ranking over the nearest labelled prompts.</summary>
    Similarity,
    /// <summary>Answer with the cheapest eligible candidate and escalate when its confidence is low.</summary>
    Cascade,
    /// <summary>
    /// Evaluation priors (<c>takase eval --save --target</c>): the cheapest candidate whose prior quality for the request's
    /// category reaches <see cref="RouterProfile.MinQuality"/>. Learned profiles without a model use them too.
    /// </summary>
    Priors,
}

/// <summary>
/// A router exposed as a model name (<c>auto</c>, <c>support-ja</c>) through both APIs: its candidate targets from the
/// cheapest tier to the strongest, the strategy that scores a prompt, and the cost–quality knob. Configured under
/// <c>Takase:Router:Profiles:&lt;name&gt;</c> or through the admin API.
/// </summary>
public sealed record RouterProfile
{
    /// <summary>The model name clients use.</summary>
    public required string Name { get; init; }
    /// <summary>Candidate target names, cheapest tier first, strongest last; rules drop ineligible ones.</summary>
    public required IReadOnlyList<string> Candidates { get; init; }
    /// <summary>How the prompt is scored.</summary>
    public RoutingStrategy Strategy { get; init; } = RoutingStrategy.Rules;
    /// <summary>
    /// The score above which the stronger tier is used (for N tiers, N−1 ascending thresholds may be given in
    /// <see cref="Thresholds"/> instead). Null: derived from <see cref="StrongShare"/> by calibration.
    /// </summary>
    public double? Threshold { get; init; }
    /// <summary>Thresholds between consecutive tiers, ascending (N candidates → N−1 values).</summary>
    public IReadOnlyList<double>? Thresholds { get; init; }
    /// <summary>The wanted share of calls (0..1) to the strongest candidate; calibration turns it into a threshold.</summary>
    public double? StrongShare { get; init; }
    /// <summary>
    /// The bar for routing by evaluation priors (0..1, default 0.7): the cheapest candidate whose prior quality reaches it
    /// is chosen. Used by <see cref="RoutingStrategy.Priors"/> and by learned strategies while they have no model.
    /// </summary>
    public double? MinQuality { get; init; }
    /// <summary>The trained router file (for learned strategies), relative to the models folder or absolute.</summary>
    public string? ModelPath { get; init; }
    /// <summary>Rules applied before scoring (exclusions and forced choices), in order.</summary>
    public IReadOnlyList<RoutingRule> Rules { get; init; } = [];
    /// <summary>Cascade settings (for <see cref="RoutingStrategy.Cascade"/>).</summary>
    public CascadeOptions? Cascade { get; init; }
    /// <summary>
    /// What happens to personal data in this profile's prompts (block, redact for remote targets, keep local), or null
    /// to send prompts as they are.
    /// </summary>
    public ProfilePrivacy? Privacy { get; init; }
    /// <summary>
    /// When a request goes to the profile's human target besides rules and scores: the user asks for a person, or the
    /// router is unsure. Null uses the defaults (the hand-off phrases on); it matters only with a human candidate.
    /// </summary>
    public HandoffOptions? Handoff { get; init; }
    /// <summary>
    /// The norms profile (Takase:Norms:Profiles) this profile's requests follow, unless the caller's API key has one;
    /// null for none. The server applies it; the router only carries the name.
    /// </summary>
    public string? Norms { get; init; }
}

/// <summary>
/// A profile's hand-off to people (<c>Takase:Router:Profiles:&lt;name&gt;:Handoff</c>), used only when the profile has
/// a human target among its candidates: the user asking for a person in so many words, a learned score inside an
/// uncertain band, or a cascade whose answers all stay low-confidence send the request to that target.
/// </summary>
public sealed record HandoffOptions
{
    /// <summary>The phrases a user asks for a person with when <see cref="Phrases"/> is not set (English and Japanese).</summary>
    public static IReadOnlyList<string> DefaultPhrases { get; } =
    [
        "talk to a human", "speak to a human", "talk to a person", "speak to a person", "real person", "human agent",
        "talk to someone", "operator", "人間と話したい", "人と話したい", "オペレーター", "担当者",
    ];

    /// <summary>Whether asking for a person hands the request over (on by default).</summary>
    public bool OnRequest { get; init; } = true;
    /// <summary>
    /// The phrases that ask for a person, matched in the last user message after width folding, case-insensitively
    /// (Latin ones as whole words); null for <see cref="DefaultPhrases"/>.
    /// </summary>
    public IReadOnlyList<string>? Phrases { get; init; }
    /// <summary>With <see cref="LowConfidenceMax"/>: a learned score in [min, max] means the router is unsure; a person answers.</summary>
    public double? LowConfidenceMin { get; init; }
    /// <summary>The upper end of the uncertain band of learned scores.</summary>
    public double? LowConfidenceMax { get; init; }
    /// <summary>In a cascade, escalate to the human target when even the strongest model's answer is judged low-confidence.</summary>
    public bool CascadeToHuman { get; init; }

    /// <summary>The phrases in effect.</summary>
    public IReadOnlyList<string> EffectivePhrases => OnRequest ? Phrases ?? DefaultPhrases : [];
}

/// <summary>
/// A profile's privacy policy as configuration writes it (<c>Takase:Router:Profiles:&lt;name&gt;:Privacy</c>):
/// <c>{ "Default": "Allow", "Entities": { "EMAIL": "Redact", "MY_NUMBER": "Block", "CREDIT_CARD": "LocalOnly" },
/// "Language": "auto" }</c>. Every routed request is analyzed (message texts and tool-call arguments) and each entity
/// found gets its type's action: Allow keeps it, Mask and Redact replace it in what remote targets receive (Redact
/// reversibly: the answer gets the original back), Block refuses the request, LocalOnly keeps it but excludes every
/// target above the Local privacy class. Redaction protects what leaves the machine, so local targets get the original
/// text unless <see cref="RedactLocal"/> is set. Validated at start-up into a <see cref="PiiPolicy"/>.
/// </summary>
public sealed record ProfilePrivacy
{
    /// <summary>The action for entity types not listed in <see cref="Entities"/>; Allow unless set.</summary>
    public PiiAction Default { get; init; } = PiiAction.Allow;
    /// <summary>Actions by entity type, keyed by the type's name (EMAIL, PHONE, MY_NUMBER, CREDIT_CARD, PERSON …).</summary>
    public Dictionary<string, PiiAction> Entities { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>The language whose name heuristics run: "auto" (by script), "ja" or "en".</summary>
    public string Language { get; init; } = "auto";
    /// <summary>Also redact and mask what local targets receive (by default they get the original text).</summary>
    public bool RedactLocal { get; init; }
}

/// <summary>
/// One rule of a profile. Conditions that are set must all hold for the rule to apply; then its action applies.
/// </summary>
public sealed record RoutingRule
{
    /// <summary>A name for the explanation ("sensitive", "long-context", "japanese").</summary>
    public required string Name { get; init; }
    /// <summary>Applies when the prompt's detected language is one of these (ISO 639-1).</summary>
    public IReadOnlyList<string>? Languages { get; init; }
    /// <summary>Applies when the prompt contains one of these words (case-insensitive; whole text for Japanese).</summary>
    public IReadOnlyList<string>? Keywords { get; init; }
    /// <summary>Applies when the prompt matches this regular expression.</summary>
    public string? Pattern { get; init; }
    /// <summary>Applies when the prompt has at least this many tokens (estimated).</summary>
    public int? MinTokens { get; init; }
    /// <summary>Applies when the prompt has at most this many tokens (estimated).</summary>
    public int? MaxTokens { get; init; }
    /// <summary>What happens when the rule applies.</summary>
    public RuleAction Action { get; init; } = RuleAction.Prefer;
    /// <summary>For Prefer/Require: the target the rule sends the request to.</summary>
    public string? Target { get; init; }
    /// <summary>For LimitPrivacy: the most public class still allowed.</summary>
    public Targets.PrivacyClass? MaxPrivacy { get; init; }
}

/// <summary>What a rule does when it applies.</summary>
public enum RuleAction
{
    /// <summary>Send to <see cref="RoutingRule.Target"/> if it is eligible; otherwise scoring decides.</summary>
    Prefer,
    /// <summary>Send to <see cref="RoutingRule.Target"/> only (no fallbacks to other targets).</summary>
    Require,
    /// <summary>Exclude targets whose privacy class is above <see cref="RoutingRule.MaxPrivacy"/> (sensitive content → Local).</summary>
    LimitPrivacy,
    /// <summary>Send to the strongest eligible candidate.</summary>
    Strongest,
    /// <summary>Send to the cheapest eligible candidate.</summary>
    Cheapest,
}

/// <summary>When a cascade escalates from the cheap answer to the next tier.</summary>
public sealed record CascadeOptions
{
    /// <summary>Escalate when the answer's mean token log-probability is below this (e.g. −1.0).</summary>
    public double MinMeanLogprob { get; init; } = -1.0;
    /// <summary>Optional verifier target asked "is this answer adequate? yes/no"; escalate on "no".</summary>
    public string? Verifier { get; init; }
}
