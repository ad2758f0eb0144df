using Takase.Engine.Evaluation;

namespace Takase.Engine.Tests.Evaluation;

/// <summary>The 95 % Wilson score interval against published values (e.g. Newcombe 1998, Table I).</summary>
public class AccuracyStatTests
{
    [Theory]
    [InlineData(5, 10, 0.2366, 0.7634)]
    [InlineData(0, 10, 0.0, 0.2775)]
    [InlineData(10, 10, 0.7225, 1.0)]
    [InlineData(81, 263, 0.2553, 0.3662)] // Newcombe's 81/263 example
    public void WilsonIntervalMatchesKnownValues(int correct, int total, double low, double high)
    {
        var a = new AccuracyStat(correct, total);
        Assert.Equal((double)correct / total, a.Accuracy, 12);
        Assert.Equal(low, a.Low, 4);
        Assert.Equal(high, a.High, 4);
    }

    [Fact]
    public void NoItemsMeansNothingIsKnown() => Assert.Equal((0.0, 1.0), new AccuracyStat(0, 0).Wilson());
}
