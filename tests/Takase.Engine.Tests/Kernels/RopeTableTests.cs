using Takase.Engine.Kernels;
using Takase.Engine.Models;

namespace Takase.Engine.Tests.Kernels;

/// <summary>The precomputed-frequency RoPE must give FloatOps.Rope's bits: both styles, partial rotation, llama3
/// frequency factors, vector steps and tails, large positions.</summary>
public class RopeTableTests
{
    [Theory]
    [InlineData(RopeStyle.NeoX, 64, 64, false, 0)]
    [InlineData(RopeStyle.NeoX, 64, 64, false, 31_999)]
    [InlineData(RopeStyle.NeoX, 80, 20, false, 77)]     // partial rotation; 10 pairs: one vector step and a tail
    [InlineData(RopeStyle.Normal, 64, 64, true, 4095)]  // llama3 factors
    [InlineData(RopeStyle.Normal, 8, 8, false, 5)]
    public void RotationEqualsTheReferenceBitForBit(RopeStyle style, int headDim, int ropeDims, bool factors, int position)
    {
        var random = new Random(headDim + position);
        const int heads = 3;
        var x = Enumerable.Range(0, heads * headDim).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        float[] freqFactors = factors ? Enumerable.Range(0, ropeDims / 2).Select(i => 1f + i % 7).ToArray() : [];
        var expected = x.ToArray();
        FloatOps.Rope(expected, heads, headDim, ropeDims, position, 1e6f, 1f, style, freqFactors);
        var table = new RopeTable(headDim, ropeDims, 1e6f, 1f, style, freqFactors);
        var angles = new float[table.AngleLength];
        table.Angles(position, angles);
        table.Rotate(x, heads, angles);
        Assert.Equal(expected, x);
    }
}
