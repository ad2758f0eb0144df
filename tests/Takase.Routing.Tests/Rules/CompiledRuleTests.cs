using Takase.Routing.Decisions;
using Takase.Routing.Profiles;
using Takase.Routing.Rules;
using Takase.Routing.Targets;

namespace Takase.Routing.Tests.Rules;

public class CompiledRuleTests
{
    [Theory]
    [InlineData("my password is hunter2", "password", true)]
    [InlineData("My PASSWORD is hunter2", "password", true)]
    [InlineData("my password is hunter2", "pass", false)]      // whole words only
    [InlineData("reset the passwords", "password", false)]
    [InlineData("see the credit card.", "credit card", true)]  // phrases
    [InlineData("私のマイナンバーは", "マイナンバー", true)]      // Japanese: any substring
    [InlineData("東京都の住所", "住所", true)]
    public void KeywordsMatchWholeWordsOrCjkSubstrings(string text, string keyword, bool expected) =>
        Assert.Equal(expected, CompiledRule.ContainsKeyword(text, keyword));

    [Fact]
    public void AllConditionsMustHold()
    {
        var rule = CompiledRule.Compile(new RoutingRule
        {
            Name = "ja-math",
            Languages = ["ja"],
            Keywords = ["証明"],
            MinTokens = 5,
            MaxTokens = 100,
        });
        Assert.True(rule.Applies(Facts("この定理を証明してください。"), out _));
        Assert.False(rule.Applies(Facts("Prove this theorem (証明) please."), out _)); // English
        Assert.False(rule.Applies(Facts("この定理を説明してください。"), out _));      // no keyword
        Assert.False(rule.Applies(Facts("証明"), out _));                              // too short
        Assert.False(rule.Applies(Facts(string.Concat(Enumerable.Repeat("この定理を証明して。", 20))), out _)); // too long
    }

    [Fact]
    public void KeywordsAndPatternsSeeTheWholeConversation()
    {
        var rule = CompiledRule.Compile(new RoutingRule { Name = "card", Pattern = @"\b\d{4}-\d{4}-\d{4}-\d{4}\b" });
        var facts = new PromptFacts(new RouteRequest
        {
            Profile = "auto",
            Messages = [new("user", "my card is 4111-1111-1111-1111"), new("assistant", "noted"), new("user", "what did I say?")],
        });
        Assert.True(rule.Applies(facts, out _));
    }

    [Fact]
    public void APatternThatTimesOutKeepsPrivacyRulesSafe()
    {
        const string evil = "^(a+)+$"; // catastrophic backtracking on "aaa…b"
        var text = new string('a', 40) + "b";
        var privacy = CompiledRule.Compile(new RoutingRule { Name = "pii", Pattern = evil, Action = RuleAction.LimitPrivacy, MaxPrivacy = PrivacyClass.Local });
        var prefer = CompiledRule.Compile(new RoutingRule { Name = "fancy", Pattern = evil, Action = RuleAction.Prefer, Target = "x" });

        Assert.True(privacy.Applies(Facts(text), out var note));
        Assert.Equal("rule 'pii': pattern timed out after 100 ms, applied to be safe", note);
        Assert.False(prefer.Applies(Facts(text), out note));
        Assert.Equal("rule 'fancy': pattern timed out after 100 ms, treated as not matching", note);
    }

    [Fact]
    public void ARuleWithoutConditionsAlwaysApplies() =>
        Assert.True(CompiledRule.Compile(new RoutingRule { Name = "default", Action = RuleAction.Cheapest }).Applies(Facts("hi"), out _));

    private static PromptFacts Facts(string text) =>
        new(new RouteRequest { Profile = "auto", Messages = [new("user", text)], PromptTokens = null });
}
