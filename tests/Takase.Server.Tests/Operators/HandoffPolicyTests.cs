using Takase.Routing;
using Takase.Routing.Configuration;
using Takase.Routing.Decisions;
using Takase.Routing.Profiles;
using Takase.Routing.Targets;
using Takase.Server.Operators;

namespace Takase.Server.Tests.Operators;

/// <summary>The hand-off rules on a decision, and the validation of the hand-off settings, naming each key.</summary>
public sealed class HandoffPolicyTests
{
    private static RouterOptions Options(Action<RouterOptions>? edit = null)
    {
        var options = new RouterOptions();
        options.Targets["small"] = new TargetDefinition { Name = "small", Model = "stories260K" };
        options.Targets["desk"] = new TargetDefinition { Name = "desk", Kind = TargetKind.Human, SlaFallback = "small", DraftTarget = "small" };
        options.Profiles["auto"] = new RouterProfile
        {
            Name = "auto",
            Candidates = ["small", "desk"],
            Handoff = new HandoffOptions { LowConfidenceMin = 0.4, LowConfidenceMax = 0.6 },
        };
        edit?.Invoke(options);
        return options;
    }

    private static RouteDecision Decision(double? score) => new()
    {
        Id = "rt_test",
        CreatedAt = DateTimeOffset.UtcNow,
        Profile = "auto",
        Strategy = "ngram",
        Candidates = [new("small", true, null, null, 0), new("desk", true, null, null, 0)],
        Order = ["small", "desk"],
        Score = score,
        Reason = "score below the threshold",
    };

    [Theory]
    [InlineData(0.5, true)]
    [InlineData(0.4, true)]
    [InlineData(0.39, false)]
    [InlineData(0.61, false)]
    public void A_learned_score_inside_the_uncertain_band_puts_the_human_target_first(double score, bool handed)
    {
        var setup = RouterSetup.Create(Options());
        var decided = HandoffPolicy.Apply(Decision(score), setup.Profiles["auto"], setup, "How do I reset it?");
        Assert.Equal(handed ? ["desk", "small"] : ["small", "desk"], decided.Order);
        Assert.Equal(handed, decided.AppliedRules.Contains(HandoffPolicy.LowConfidenceRule));
        if (handed) Assert.Contains(score.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), decided.Reason);
    }

    [Fact]
    public void Phrases_are_whole_words_in_Latin_script_substrings_in_Japanese_and_configurable()
    {
        Assert.Equal("operator", HandoffPolicy.AskedPhrase(HandoffOptions.DefaultPhrases, "Operator, please!"));
        Assert.Null(HandoffPolicy.AskedPhrase(HandoffOptions.DefaultPhrases, "the cooperators meet today"));
        Assert.Equal("担当者", HandoffPolicy.AskedPhrase(HandoffOptions.DefaultPhrases, "担当者に代わってください"));
        Assert.Null(HandoffPolicy.AskedPhrase(["agent please"], "talk to a human"));
        Assert.Equal("agent please", HandoffPolicy.AskedPhrase(["agent please"], "AGENT PLEASE"));

        // Without a human candidate nothing is handed over, whatever the user writes.
        var options = Options(o => o.Profiles["auto"] = o.Profiles["auto"] with { Candidates = ["small"], Handoff = null });
        var setup = RouterSetup.Create(options);
        var decision = Decision(null) with { Candidates = [new("small", true, null, null, 0)], Order = ["small"] };
        Assert.Same(decision, HandoffPolicy.Apply(decision, setup.Profiles["auto"], setup, "talk to a human"));
        // Turned off, phrases are ignored.
        var off = RouterSetup.Create(Options(o => o.Profiles["auto"] = o.Profiles["auto"] with { Handoff = new HandoffOptions { OnRequest = false } }));
        Assert.Equal(["small", "desk"], HandoffPolicy.Apply(Decision(null), off.Profiles["auto"], off, "talk to a human").Order);
    }

    [Fact]
    public void Invalid_hand_off_settings_stop_start_up_naming_each_key()
    {
        var e = Assert.Throws<RouterConfigurationException>(() => RouterSetup.Create(Options(o =>
        {
            o.Targets["desk"] = o.Targets["desk"] with { SlaFallback = "nowhere", DraftTarget = "desk" };
            o.Targets["small"] = o.Targets["small"] with { SlaFallback = "desk" };
            o.Profiles["auto"] = o.Profiles["auto"] with { Handoff = new HandoffOptions { LowConfidenceMin = 0.7, LowConfidenceMax = 0.2, Phrases = [" "] } };
        })));
        Assert.Contains(e.Problems, p => p.StartsWith("Takase:Router:Targets:desk:SlaFallback names 'nowhere'", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("Takase:Router:Targets:desk:DraftTarget names 'desk', a human target", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("Takase:Router:Targets:small:SlaFallback is set on a Local target", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("Takase:Router:Profiles:auto:Handoff: LowConfidenceMin (0.7) is above", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("Takase:Router:Profiles:auto:Handoff:Phrases:0 is empty", StringComparison.Ordinal));

        var noHuman = Assert.Throws<RouterConfigurationException>(() => RouterSetup.Create(Options(o =>
            o.Profiles["auto"] = o.Profiles["auto"] with { Candidates = ["small"] })));
        Assert.Contains(noHuman.Problems, p => p.StartsWith("Takase:Router:Profiles:auto:Handoff: low-confidence hand-off needs a human target", StringComparison.Ordinal));
    }
}
