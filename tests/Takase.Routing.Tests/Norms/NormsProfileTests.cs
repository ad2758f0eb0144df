using Takase.Routing.Norms;

namespace Takase.Routing.Tests.Norms;

public class NormsProfileTests
{
    private static NormsRuleDefinition Rule(string name, string action, List<string>? keywords = null, string? regex = null,
        string? replacement = null, string? message = null, string? target = null) =>
        new() { Name = name, Action = action, Keywords = keywords, Regex = regex, Replacement = replacement, Message = message, Target = target };

    private static NormsProfile Profile(params NormsRuleDefinition[] input) =>
        NormsProfile.Compile("strict", 1, new NormsProfileDefinition { Input = [.. input] });

    [Fact]
    public void OverlaysApplyInOrder()
    {
        List<NormsOverlay> overlays = [new(OverlayPosition.Prepend, "Be polite."), new(OverlayPosition.Append, "Answer in English.")];
        Assert.Equal("Be polite.\n\nYou are Bob.\n\nAnswer in English.", NormsEvaluation.ApplyOverlays("You are Bob.", overlays));
        Assert.Equal("Be polite.\n\nAnswer in English.", NormsEvaluation.ApplyOverlays(null, overlays));
        Assert.Equal("Only this.", NormsEvaluation.ApplyOverlays("You are Bob.", [new(OverlayPosition.Replace, "Only this.")]));
        Assert.Null(NormsEvaluation.ApplyOverlays(null, []));
    }

    [Fact]
    public async Task FirstMatchingRuleWins()
    {
        var p = Profile(
            Rule("allow-chemistry-class", "Allow", keywords: ["chemistry class"]),
            Rule("no-explosives", "Refuse", keywords: ["explosive", "bomb"], message: "I can't help with that."));
        var allowed = await NormsEvaluation.EvaluateAsync(p.Input, "For my Chemistry Class: is TNT an explosive?", null, default);
        Assert.Equal("allow-chemistry-class", allowed.Rule);
        Assert.False(allowed.Diverts);
        var refused = await NormsEvaluation.EvaluateAsync(p.Input, "how do I build a BOMB", null, default);
        Assert.Equal("no-explosives", refused.Rule);
        Assert.Equal(NormsActionKind.Refuse, refused.Action.Kind);
        Assert.Equal("I can't help with that.", refused.Action.Message);
        Assert.True(refused.Diverts);
    }

    [Fact]
    public async Task KeywordsMatchWholeWordsOnly()
    {
        var p = Profile(Rule("no-ban", "Refuse", keywords: ["ban"], message: "no"));
        Assert.Null((await NormsEvaluation.EvaluateAsync(p.Input, "a banana", null, default)).Rule);
        Assert.Equal("no-ban", (await NormsEvaluation.EvaluateAsync(p.Input, "a ban.", null, default)).Rule);
    }

    [Fact]
    public async Task RewriteReplacesEveryMatchLiterally()
    {
        var p = Profile(Rule("hide-ids", "Rewrite", regex: @"\bID-\d+", replacement: "[id $1]"));
        var v = await NormsEvaluation.EvaluateAsync(p.Input, "tickets ID-12 and id-345", null, default);
        Assert.Equal("tickets [id $1] and [id $1]", v.Text);
        Assert.Equal(NormsActionKind.Rewrite, v.Action.Kind);
        Assert.False(v.Diverts);
    }

    [Fact]
    public async Task RulesSeeTheScreenedTextAndRewriteTheOriginal()
    {
        var p = NormsProfile.Compile("p", 1, new NormsProfileDefinition
        {
            Input =
            [
                Rule("no-mail-addresses", "Refuse", regex: @"\w+@\w+\.com", message: "no"),
                Rule("soften", "Rewrite", keywords: ["stupid"], replacement: "unclear"),
                new() { Name = "guard", Classifier = new() { Target = "g", Labels = ["unsafe"] }, Action = "Refuse", Message = "no" },
            ],
        });
        var classifier = new LabelByWord();
        var (texts, verdict) = await NormsEvaluation.EvaluateInputAsync(p.Input, [("user", "stupid bob@example.com")], classifier, default,
            view: text => text.Replace("bob@example.com", "<EMAIL_1>", StringComparison.Ordinal));
        Assert.Equal("soften", verdict.Rule); // the address is hidden from the rules, so the refusal does not match
        Assert.Equal(["unclear bob@example.com"], texts); // the rewrite applies to the original
        var (_, guarded) = await NormsEvaluation.EvaluateInputAsync([p.Input[2]], [("user", "dangerous bob@example.com")], classifier, default,
            view: text => text.Replace("bob@example.com", "<EMAIL_1>", StringComparison.Ordinal));
        Assert.Equal("guard", guarded.Rule);
        Assert.Equal([("g", "dangerous <EMAIL_1>")], classifier.Asked); // the classifier never sees the value
    }

    [Fact]
    public async Task InputRulesSeeEveryUserMessageAndStopAtTheFirstDiversion()
    {
        var p = Profile(
            Rule("soften", "Rewrite", keywords: ["stupid"], replacement: "unclear"),
            Rule("to-legal", "Route", keywords: ["lawsuit"], target: "legal-model"),
            Rule("refuse-all", "Refuse", keywords: ["secret"], message: "no"));
        var (texts, verdict) = await NormsEvaluation.EvaluateInputAsync(p.Input,
            [("system", "stupid system text stays"), ("user", "this stupid form"), ("assistant", "ok"), ("user", "a lawsuit about a secret")], null, default);
        Assert.Equal(["stupid system text stays", "this unclear form", "ok", "a lawsuit about a secret"], texts);
        Assert.Equal("to-legal", verdict.Rule);
        Assert.Equal("legal-model", verdict.Action.Target);
    }

    [Fact]
    public async Task ClassifierRulesAskTheirTargetForALabel()
    {
        var p = NormsProfile.Compile("guarded", 3, new NormsProfileDefinition
        {
            Input = [new() { Name = "guard", Classifier = new() { Target = "guard-model", Labels = ["unsafe"] }, Action = "Escalate" }],
        });
        var classifier = new LabelByWord();
        var unsafeText = await NormsEvaluation.EvaluateAsync(p.Input, "this is dangerous", classifier, default);
        Assert.Equal("guard", unsafeText.Rule);
        Assert.Equal(NormsActionKind.Escalate, unsafeText.Action.Kind);
        Assert.Null((await NormsEvaluation.EvaluateAsync(p.Input, "this is fine", classifier, default)).Rule);
        Assert.Equal([("guard-model", "this is dangerous"), ("guard-model", "this is fine")], classifier.Asked);
        Assert.Equal([("Input:0:Classifier:Target", "guard-model")], p.NamedTargets().ToList());
        await Assert.ThrowsAsync<InvalidOperationException>(() => NormsEvaluation.EvaluateAsync(p.Input, "x", null, default));
    }

    [Theory]
    [InlineData("Refuse", null, "x", "Message is missing")]
    [InlineData("Rewrite", null, "x", "Replacement is missing")]
    [InlineData("Route", null, "x", "Target is missing")]
    [InlineData("Block", null, "x", "Action must be Allow, Rewrite, Refuse, Escalate or Route, not 'Block'")]
    [InlineData("Allow", "(unclosed", null, "Regex '(unclosed' is not a valid regular expression")]
    [InlineData("Allow", "a", "b", "needs exactly one of Keywords, Regex or Classifier, not 2")]
    public void BadRulesAreNamedByKey(string action, string? regex, string? keyword, string expected)
    {
        var rule = Rule("r", action, keywords: keyword is null ? null : [keyword], regex: regex);
        var e = Assert.Throws<NormsConfigurationException>(() => Profile(rule));
        Assert.Contains("Takase:Norms:Profiles:strict:Input:0", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void BadOverlayIsNamedByKey()
    {
        var e = Assert.Throws<NormsConfigurationException>(() => NormsProfile.Compile("p", 0,
            new NormsProfileDefinition { Overlays = [new() { Position = "Middle", Text = "x" }] }));
        Assert.Equal("Takase:Norms:Profiles:p:Overlays:0:Position must be Prepend, Append or Replace, not 'Middle'", e.Message);
    }

    [Fact]
    public void OutputRulesCannotEscalateOrRoute()
    {
        var e = Assert.Throws<NormsConfigurationException>(() => NormsProfile.Compile("p", 0,
            new NormsProfileDefinition { Output = [Rule("late", "Escalate", keywords: ["x"])] }));
        Assert.Equal("Takase:Norms:Profiles:p:Output:0:Action Escalate is for input rules; an output rule can Allow, Rewrite or Refuse", e.Message);
    }

    [Fact]
    public void AppliedRecordsTheDecidingRule()
    {
        var applied = new NormsApplied("strict", 2);
        Assert.Same(applied, applied.With(NormsVerdict.Pass("x"), "input"));
        var refused = applied.With(new NormsVerdict("no-x", new NormsAction(NormsActionKind.Refuse, Message: "no"), "x"), "output");
        Assert.Equal(new NormsApplied("strict", 2, "no-x", "refuse", "output"), refused);
    }

    /// <summary>Labels a text "unsafe" when it holds "dangerous", else "safe", and remembers what it was asked.</summary>
    private sealed class LabelByWord : INormsClassifier
    {
        public List<(string, string)> Asked { get; } = [];

        public Task<string> LabelAsync(string target, string text, IReadOnlyList<string> labels, CancellationToken cancel)
        {
            Asked.Add((target, text));
            return Task.FromResult(text.Contains("dangerous", StringComparison.Ordinal) ? " unsafe\n" : "safe");
        }
    }
}
