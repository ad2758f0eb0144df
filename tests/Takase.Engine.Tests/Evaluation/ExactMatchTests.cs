using Takase.Engine.Evaluation;

namespace Takase.Engine.Tests.Evaluation;

/// <summary>GSM8K-style answer extraction and normalisation.</summary>
public class ExactMatchTests
{
    [Theory]
    [InlineData("She has 3 + 4 = 7 apples.\n#### 7", "7")]
    [InlineData("First 12, then 30, so the answer is 42.", "42")]
    [InlineData("It costs $1,234.50 in total", "1,234.50")]
    [InlineData("Temperatures fell to -5 degrees", "-5")]
    [InlineData("no number here", null)]
    public void ExtractsTheMarkedOrLastNumber(string text, string? expected) => Assert.Equal(expected, ExactMatch.Extract(text));

    [Theory]
    [InlineData("1,234.50", "1234.5")]
    [InlineData("$42.", "42")]
    [InlineData("42.0", "42")]
    [InlineData(" Tokyo. ", "tokyo")]
    public void NormalizesNumbersByValueAndTextByCase(string answer, string expected) => Assert.Equal(expected, ExactMatch.Normalize(answer));

    [Theory]
    [InlineData("So he has 7 apples.", "7", true)]
    [InlineData("So he has 7 apples.", "Ken has 3 + 4 = 7.\n#### 7", true)]
    [InlineData("So he has 8 apples.", "7", false)]
    [InlineData("I do not know.", "7", false)]
    [InlineData("The answer is 1,000.", "1000", true)]
    public void MatchesOutputAgainstReference(string output, string reference, bool expected) =>
        Assert.Equal(expected, ExactMatch.IsMatch(output, reference, out _));
}
