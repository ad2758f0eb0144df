using Takase.Routing.Targets;

namespace Takase.Routing.Tests.Targets;

public class TargetDefinitionTests
{
    [Fact]
    public void CostIsPricedPerMillionTokensInAndOut()
    {
        var gpt = new TargetDefinition { Name = "gpt", Kind = TargetKind.Remote, InputCostPerMillion = 2.5, OutputCostPerMillion = 10 };
        Assert.Equal(0.0025 * 1000 / 1000 + 0.01 * 500 / 1000, gpt.CostOf(1000, 500), 12);
        Assert.Equal(0, new TargetDefinition { Name = "local" }.CostOf(100_000, 100_000));
    }
}
