using Takase.Routing.Cascade;
using Takase.Routing.Profiles;

namespace Takase.Routing.Tests.Router;

public class CascadeTests
{
    [Theory]
    [InlineData(-0.2, false)]
    [InlineData(-1.0, false)] // at the bound: keep
    [InlineData(-1.5, true)]
    public void EscalatesWhenTheMeanLogprobIsBelowTheBound(double meanLogprob, bool escalate) =>
        Assert.Equal(escalate, CascadePolicy.ShouldEscalate(meanLogprob, new CascadeOptions { MinMeanLogprob = -1.0 }));

    [Fact]
    public void WithoutLogprobsTheVerifierDecides()
    {
        Assert.True(CascadePolicy.ShouldEscalate(double.NaN, new CascadeOptions()));
        Assert.False(CascadePolicy.ShouldEscalate(double.NaN, new CascadeOptions { Verifier = "gpt" }));
    }

    [Fact]
    public void MeanLogprobAveragesTheTokens()
    {
        Assert.Equal(-0.5, CascadePolicy.MeanLogprob([-0.1, -0.4, -1.0]), 12);
        Assert.True(double.IsNaN(CascadePolicy.MeanLogprob([])));
    }

    [Theory]
    [InlineData("yes", VerifierVerdict.Adequate)]
    [InlineData("Yes.", VerifierVerdict.Adequate)]
    [InlineData("**YES**", VerifierVerdict.Adequate)]
    [InlineData("  no\nbecause the sum is wrong", VerifierVerdict.Inadequate)]
    [InlineData("Answer: no", VerifierVerdict.Inadequate)]
    [InlineData("<think>the answer says yes but 2+2 is 4</think>\nNo", VerifierVerdict.Inadequate)]
    [InlineData("はい", VerifierVerdict.Adequate)]
    [InlineData("いいえ、間違っています", VerifierVerdict.Inadequate)]
    [InlineData("The answer is not adequate", VerifierVerdict.Unclear)]
    [InlineData("yesterday", VerifierVerdict.Unclear)]
    [InlineData("", VerifierVerdict.Unclear)]
    [InlineData(null, VerifierVerdict.Unclear)]
    public void ReadsTheVerifiersOneWordReply(string? reply, VerifierVerdict expected) =>
        Assert.Equal(expected, CascadeVerifier.Parse(reply));

    [Fact]
    public void OnlyAClearYesKeepsTheAnswer()
    {
        Assert.False(CascadePolicy.ShouldEscalate(VerifierVerdict.Adequate));
        Assert.True(CascadePolicy.ShouldEscalate(VerifierVerdict.Inadequate));
        Assert.True(CascadePolicy.ShouldEscalate(VerifierVerdict.Unclear));
    }

    [Fact]
    public void TheVerifierPromptHoldsTheRequestAndTheAnswer()
    {
        var messages = CascadeVerifier.Prompt("What is 2 + 2?", "5");
        Assert.Equal(["system", "user"], messages.Select(m => m.Role));
        Assert.Contains("exactly one word", messages[0].Content, StringComparison.Ordinal);
        Assert.Contains("Request:\n<<<\nWhat is 2 + 2?\n>>>", messages[1].Content, StringComparison.Ordinal);
        Assert.Contains("Answer:\n<<<\n5\n>>>", messages[1].Content, StringComparison.Ordinal);
    }
}
