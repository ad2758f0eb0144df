using Takase.Engine.Tensors;

namespace Takase.Engine.Tests.Tensors;

public class TensorMathTests
{
    [Theory]
    [InlineData(GgmlType.F32)]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q6_K)]
    public void MatVecIsTheDotOfEachRow(GgmlType type)
    {
        const int rows = 7, cols = 512;
        var info = TensorTypes.Get(type);
        var weights = TensorTestData.RandomRow(type, rows * cols, 3);
        var x = TensorTestData.RandomVector(cols, 4);
        var y = new float[rows];
        TensorMath.MatVec(info, weights, rows, cols, x, y);
        long rowBytes = info.RowBytes(cols);
        for (int r = 0; r < rows; r++)
            Assert.Equal(info.RequireDot()(weights.AsSpan((int)(r * rowBytes), (int)rowBytes), x), y[r]);
    }

    [Theory]
    [InlineData(GgmlType.Q8_0, 1)]
    [InlineData(GgmlType.Q8_0, 2)]
    [InlineData(GgmlType.Q4_K, 3)]
    [InlineData(GgmlType.Q5_0, 7)]
    [InlineData(GgmlType.F16, 64)] // more threads than rows
    public void ParallelMatVecEqualsTheSingleThreadedOneExactly(GgmlType type, int threads)
    {
        const int rows = 37, cols = 256;
        var info = TensorTypes.Get(type);
        var weights = TensorTestData.RandomRow(type, rows * cols, 11);
        var x = TensorTestData.RandomVector(cols, 12);
        var single = new float[rows];
        var parallel = new float[rows];
        TensorMath.MatVec(info, weights, rows, cols, x, single);
        TensorMath.MatVecParallel(info, weights, rows, cols, x, parallel, threads);
        Assert.Equal(single, parallel);
    }

    [Fact]
    public void ShapeMistakesAreNamedInTheError()
    {
        var q8 = TensorTypes.Get(GgmlType.Q8_0);
        var weights = new byte[4 * 34];
        var y = new float[4];
        var ex = Assert.Throws<ArgumentException>(() => TensorMath.MatVec(q8, weights, 4, 64, new float[64], y));
        Assert.Contains("4×64 q8_0 matrix takes 272 bytes", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => TensorMath.MatVec(q8, weights, 4, 32, new float[31], y));
        Assert.Contains("31 elements", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => TensorMath.MatVecParallel(q8, weights, 4, 32, new float[32], new float[3], 2));
        Assert.Contains("4 rows", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => TensorMath.MatVec(q8, weights, 4, 33, new float[33], y));
        Assert.Contains("blocks of 32", ex.Message);
    }

    [Fact]
    public void TypesWithoutKernelsAreRefused()
    {
        var ex = Assert.Throws<NotSupportedException>(() =>
            TensorMath.MatVec(TensorTypes.Get(GgmlType.F64), new byte[8 * 32], 1, 32, new float[32], new float[1]));
        Assert.Contains("f64", ex.Message);
    }
}
