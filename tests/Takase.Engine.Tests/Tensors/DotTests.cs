using Takase.Engine.Tensors;

namespace Takase.Engine.Tests.Tensors;

/// <summary>Every type's Dot is its own code path (scales factored out of the sums); it must agree with
/// dequantize-then-multiply, on random but valid stored blocks, including types Takase cannot quantize to.</summary>
public class DotTests
{
    [Theory]
    [MemberData(nameof(TensorTestData.ComputableTypes), MemberType = typeof(TensorTestData))]
    public void DotEqualsTheDotOfTheDequantizedRow(GgmlType type)
    {
        const int n = 1024;
        var info = TensorTypes.Get(type);
        for (int seed = 1; seed <= 3; seed++)
        {
            var row = TensorTestData.RandomRow(type, n, seed);
            var x = TensorTestData.RandomVector(n, seed + 100);
            var w = new float[n];
            info.RequireDequantize()(row, w);

            double expected = 0, magnitude = 0;
            for (int i = 0; i < n; i++)
            {
                expected += (double)w[i] * x[i];
                magnitude += Math.Abs((double)w[i] * x[i]);
            }
            float actual = info.RequireDot()(row, x);
            // Float accumulation in a different order: allow a few ulps of the summed magnitudes.
            Assert.True(Math.Abs(actual - expected) <= 1e-5 * magnitude,
                $"{type} seed {seed}: dot {actual} vs dequantized dot {expected} (Σ|w·x| = {magnitude})");
            Assert.True(magnitude > 0, $"{type}: random row dequantized to zeros");
        }
    }

    [Theory]
    [MemberData(nameof(TensorTestData.ComputableTypes), MemberType = typeof(TensorTestData))]
    public void DequantizedValuesAreFinite(GgmlType type)
    {
        var info = TensorTypes.Get(type);
        var w = new float[512];
        info.RequireDequantize()(TensorTestData.RandomRow(type, 512, 7), w);
        Assert.All(w, v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [MemberData(nameof(TensorTestData.ComputableTypes), MemberType = typeof(TensorTestData))]
    public void MismatchedLengthsAreRejectedWithTheTypeNamed(GgmlType type)
    {
        var info = TensorTypes.Get(type);
        var row = TensorTestData.RandomRow(type, 256, 1);
        var ex = Assert.Throws<ArgumentException>(() => info.RequireDot()(row, new float[512]));
        Assert.Contains(info.Name, ex.Message);
        ex = Assert.Throws<ArgumentException>(() => info.RequireDequantize()(row.AsSpan(1), new float[256]));
        Assert.Contains(info.Name, ex.Message);
    }

    [Fact]
    public void SizeOnlyTypesSayTheyCannotBeComputedWith()
    {
        var info = TensorTypes.Get(GgmlType.F64);
        Assert.Null(info.Dot);
        var ex = Assert.Throws<NotSupportedException>(() => info.RequireDot());
        Assert.Contains("f64", ex.Message);
        var q = Assert.Throws<NotSupportedException>(() => info.RequireQuantize());
        Assert.Contains("q4_K", q.Message); // lists what can be written instead
    }
}
