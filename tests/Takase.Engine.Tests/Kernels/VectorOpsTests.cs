using Takase.Engine.Kernels;
using Takase.Engine.Tests.Tensors;

namespace Takase.Engine.Tests.Kernels;

/// <summary>The SIMD float ops against the scalar references of <see cref="FloatOps"/>, on lengths with vector tails.
/// Tolerance: 1e-5 relative (only the order of additions differs, over at most a few thousand terms).</summary>
public sealed class VectorOpsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(13)]
    [InlineData(64)]
    [InlineData(896)]
    [InlineData(4867)]
    public void RmsNormSoftmaxSwiGluAddMatchTheScalarOps(int n)
    {
        var x = TensorTestData.RandomVector(n, seed: n);
        var w = TensorTestData.RandomVector(n, seed: n + 1);
        var expected = new float[n];
        var actual = new float[n];
        FloatOps.RmsNorm(x, w, 1e-6f, expected);
        VectorOps.RmsNorm(x, w, 1e-6f, actual);
        AssertClose(expected, actual);

        var scores = x.Select(v => v * 40).ToArray(); // large scores: the max shift matters
        var e = (float[])scores.Clone();
        FloatOps.Softmax(e);
        VectorOps.Softmax(scores);
        AssertClose(e, scores);
        Assert.Equal(1f, scores.Sum(), 1e-4f);

        var g1 = x.Select(v => v * 6).ToArray();
        var g2 = (float[])g1.Clone();
        FloatOps.SwiGlu(g1, w);
        VectorOps.SwiGlu(g2, w);
        AssertClose(g1, g2);

        var a1 = (float[])x.Clone();
        var a2 = (float[])x.Clone();
        FloatOps.Add(a1, w);
        VectorOps.Add(a2, w);
        Assert.Equal(a1, a2);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        float scale = expected.Max(MathF.Abs);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-5f * scale + 1e-30f, $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
