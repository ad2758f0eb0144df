using Takase.Routing.Decisions;
using Takase.Routing.Profiles;
using Takase.Routing.Targets;
using static Takase.Routing.Tests.Router.RouterTestSetup;

namespace Takase.Routing.Tests.Router;

public class RuleDecisionTests
{
    private static RouterProfile Auto(params RoutingRule[] rules) =>
        new() { Name = "auto", Candidates = ["tiny", "qwen", "azure", "gpt"], Rules = rules };

    [Fact]
    public void RulesStrategySendsToTheFirstEligibleCandidateThenStrongerOnes()
    {
        var decision = RouterFor(Auto()).Decide(Ask("What is 2 + 2?"));
        Assert.Equal(["tiny", "qwen", "azure", "gpt"], decision.Order);
        Assert.Equal("rules", decision.Strategy);
        Assert.Null(decision.Score);
        Assert.Equal("sent to tiny: first candidate of the profile", decision.Reason);
    }

    [Fact]
    public void SensitivePromptsStayOnLocalTargets()
    {
        var sensitive = new RoutingRule
        {
            Name = "sensitive",
            Keywords = ["password", "マイナンバー"],
            Action = RuleAction.LimitPrivacy,
            MaxPrivacy = PrivacyClass.Local,
        };
        var router = RouterFor(Auto(sensitive) with { Candidates = ["qwen", "gpt"] });

        var decision = router.Decide(Ask("My password is hunter2, is it strong?"));

        Assert.Equal(["qwen"], decision.Order);
        Assert.Equal(["sensitive"], decision.AppliedRules);
        var gpt = decision.Candidates.Single(c => c.Target == "gpt");
        Assert.False(gpt.Eligible);
        Assert.Equal("external target and the prompt matched rule 'sensitive' (local targets only)", gpt.ExcludedBecause);
        Assert.Equal("sent to qwen: first candidate of the profile; gpt excluded: external target and the prompt matched rule 'sensitive' (local targets only)",
            decision.Reason);

        Assert.Equal(["qwen", "gpt"], router.Decide(Ask("Is hunter2 a strong choice?")).Order);
    }

    [Fact]
    public void LimitingToTrustedKeepsTrustedTargets()
    {
        var rule = new RoutingRule { Name = "internal", Keywords = ["roadmap"], Action = RuleAction.LimitPrivacy, MaxPrivacy = PrivacyClass.Trusted };
        var decision = RouterFor(Auto(rule)).Decide(Ask("Summarise our roadmap for next year"));
        Assert.Equal(["tiny", "qwen", "azure"], decision.Order);
        Assert.Equal("external target and the prompt matched rule 'internal' (up to trusted targets)",
            decision.Candidates.Single(c => c.Target == "gpt").ExcludedBecause);
    }

    [Fact]
    public void ContextOverflowExcludesTheSmallTarget()
    {
        var longPrompt = string.Join(" ", Enumerable.Repeat("lorem ipsum dolor", 700)); // ~12,600 chars ≈ 3,150 tokens
        var decision = RouterFor(Auto()).Decide(Ask(longPrompt) with { MaxOutputTokens = 512 });

        var tiny = decision.Candidates.Single(c => c.Target == "tiny");
        Assert.False(tiny.Eligible);
        Assert.Matches(@"^context of 2,048 tokens is too small for ~3,\d{3} prompt \+ 512 answer tokens$", tiny.ExcludedBecause);
        Assert.Equal("qwen", decision.Chosen);
        Assert.Equal(["qwen", "azure", "gpt"], decision.Order);
    }

    [Fact]
    public void CallerTokenCountsAreUsedAsGiven()
    {
        var decision = RouterFor(Auto()).Decide(Ask("short") with { PromptTokens = 2000 });
        Assert.Equal("context of 2,048 tokens is too small for 2,000 prompt + 256 assumed answer tokens",
            decision.Candidates[0].ExcludedBecause);
    }

    [Fact]
    public void ToolsJsonAndImagesNeedCapableTargets()
    {
        var router = RouterFor(Auto());
        var tools = router.Decide(Ask("What's the weather in Paris?") with { NeedsTools = true });
        Assert.Equal("qwen", tools.Chosen);
        Assert.Equal("cannot call tools, and the request carries tools", tools.Candidates[0].ExcludedBecause);

        var vision = router.Decide(Ask("Describe this picture") with { NeedsVision = true, NeedsJson = true });
        Assert.Equal(["gpt"], vision.Order);
        Assert.Equal("has no JSON mode, and the request asks for JSON, cannot read images, and the request has images",
            vision.Candidates[0].ExcludedBecause!.Replace("; ", ", "));
    }

    [Fact]
    public void JapanesePromptsGoToAJapaneseCapableTarget()
    {
        var decision = RouterFor(Auto()).Decide(Ask("日本の首都はどこですか？簡単に説明してください。"));
        Assert.Equal("qwen", decision.Chosen);
        Assert.Equal("answers en; the prompt is Japanese (ja)", decision.Candidates[0].ExcludedBecause);
        // Targets without a language list take any language.
        Assert.True(decision.Candidates.Single(c => c.Target == "gpt").Eligible);
    }

    [Fact]
    public void LanguageRulePrefersItsTarget()
    {
        var japanese = new RoutingRule { Name = "japanese", Languages = ["ja"], Action = RuleAction.Prefer, Target = "azure" };
        var router = RouterFor(Auto(japanese));

        var ja = router.Decide(Ask("この文章を英語に翻訳してください。"));
        Assert.Equal(["azure", "gpt", "qwen"], ja.Order); // chosen, stronger, then cheaper
        Assert.StartsWith("sent to azure: rule 'japanese' prefers it", ja.Reason, StringComparison.Ordinal);

        Assert.Equal("tiny", router.Decide(Ask("Translate this sentence into English, please.")).Chosen);
    }

    [Fact]
    public void PreferringAnExcludedTargetLeavesTheChoiceToTheStrategy()
    {
        var rule = new RoutingRule { Name = "images", Keywords = ["photo"], Action = RuleAction.Prefer, Target = "tiny" };
        var decision = RouterFor(Auto(rule)).Decide(Ask("Is this photo real?") with { NeedsTools = true });
        Assert.Equal("qwen", decision.Chosen);
        Assert.EndsWith("rule 'images' prefers tiny, which is excluded (cannot call tools, and the request carries tools)", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void KeywordPatternAndTokenBoundRulesChoose()
    {
        var router = RouterFor(Auto(
            new RoutingRule { Name = "proof", Keywords = ["prove"], Action = RuleAction.Strongest },
            new RoutingRule { Name = "sql", Pattern = @"(?i)\bselect\b.+\bfrom\b", Action = RuleAction.Prefer, Target = "qwen" },
            new RoutingRule { Name = "long", MinTokens = 1000, Action = RuleAction.Prefer, Target = "azure" },
            new RoutingRule { Name = "chit-chat", MaxTokens = 10, Action = RuleAction.Cheapest }));

        Assert.Equal("gpt", router.Decide(Ask("Prove that there are infinitely many primes.")).Chosen);
        Assert.Equal("qwen", router.Decide(Ask("Why is SELECT name FROM users slow on a big table with no index?")).Chosen);
        Assert.Equal("azure", router.Decide(Ask(new string('x', 5000))).Chosen);
        var hi = router.Decide(Ask("hi!"));
        Assert.Equal("tiny", hi.Chosen);
        Assert.Equal(["chit-chat"], hi.AppliedRules);
        Assert.Equal("sent to tiny: rule 'chit-chat' asks for the cheapest eligible candidate", hi.Reason);
    }

    [Fact]
    public void TheFirstApplyingChoiceRuleWinsAndAllAreListed()
    {
        var router = RouterFor(Auto(
            new RoutingRule { Name = "math", Keywords = ["prove"], Action = RuleAction.Prefer, Target = "azure" },
            new RoutingRule { Name = "hard", Keywords = ["prove"], Action = RuleAction.Strongest }));
        var decision = router.Decide(Ask("prove it"));
        Assert.Equal("azure", decision.Chosen);
        Assert.Equal(["math", "hard"], decision.AppliedRules);
    }

    [Fact]
    public void RequireSendsOnlyThereWithoutFallbacks()
    {
        var rule = new RoutingRule { Name = "legal", Keywords = ["contract"], Action = RuleAction.Require, Target = "azure" };
        var decision = RouterFor(Auto(rule)).Decide(Ask("Review this contract clause"));

        Assert.Equal(["azure"], decision.Order);
        Assert.Equal("rule 'legal' requires azure", decision.Candidates.Single(c => c.Target == "gpt").ExcludedBecause);
        Assert.StartsWith("sent to azure: rule 'legal' requires it (no fallbacks)", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void RequiringAnExcludedTargetFailsWithEveryReason()
    {
        var rule = new RoutingRule { Name = "legal", Keywords = ["contract"], Action = RuleAction.Require, Target = "tiny" };
        var e = Assert.Throws<RoutingException>(() => RouterFor(Auto(rule)).Decide(Ask("Review this contract clause") with { NeedsTools = true }));
        Assert.Equal(
            "No candidate of profile 'auto' can take this request: tiny: cannot call tools, and the request carries tools; "
            + "qwen: rule 'legal' requires tiny; azure: rule 'legal' requires tiny; gpt: rule 'legal' requires tiny.",
            e.Message);
    }

    [Fact]
    public void OpenCircuitsAreExcluded()
    {
        var decision = RouterFor(Auto()).Decide(Ask("hello there"), isAvailable: t => t is not ("tiny" or "azure"));
        Assert.Equal(["qwen", "gpt"], decision.Order);
        Assert.Equal("circuit open: it failed recently and is not taking requests for now", decision.Candidates[0].ExcludedBecause);
        Assert.Contains("azure excluded: circuit open", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NoEligibleCandidateListsEachExclusion()
    {
        var e = Assert.Throws<RoutingException>(() => RouterFor(Auto()).Decide(Ask("hello"), isAvailable: _ => false));
        Assert.StartsWith("No candidate of profile 'auto' can take this request: tiny: circuit open", e.Message, StringComparison.Ordinal);
        Assert.Contains("; gpt: circuit open", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownProfilesAreRefusedAndOllamaTagsAccepted()
    {
        var router = RouterFor(Auto());
        Assert.True(router.IsProfile("auto"));
        Assert.True(router.IsProfile("AUTO:latest"));
        Assert.False(router.IsProfile("qwen2.5:7b"));
        Assert.Equal(["auto"], router.Profiles);
        Assert.Equal("auto", router.Decide(Ask("hi", profile: "auto:latest")).Profile);
        var e = Assert.Throws<RoutingException>(() => router.Decide(Ask("hi", profile: "support")));
        Assert.Equal("'support' is not a router profile (profiles: auto).", e.Message);
    }
}
