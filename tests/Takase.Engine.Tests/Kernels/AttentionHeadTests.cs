using Takase.Engine.Kernels;

namespace Takase.Engine.Tests.Kernels;

public unsafe class AttentionHeadTests
{
    /// <summary>A double-precision reference: softmax(q·k·scale) weighted sum of v.</summary>
    private static double[] Reference(float[] q, float[] keys, float[] values, int stride, int offset, int length, int headDim, float scale)
    {
        var s = new double[length];
        for (int t = 0; t < length; t++)
        {
            double d = 0;
            for (int j = 0; j < headDim; j++) d += (double)q[j] * keys[t * stride + offset + j];
            s[t] = d * scale;
        }
        double max = s.Max(), sum = 0;
        for (int t = 0; t < length; t++) sum += s[t] = Math.Exp(s[t] - max);
        var o = new double[headDim];
        for (int t = 0; t < length; t++)
            for (int j = 0; j < headDim; j++) o[j] += s[t] / sum * values[t * stride + offset + j];
        return o;
    }

    [Theory]
    [InlineData(8, 1)]
    [InlineData(8, 7)]
    [InlineData(64, 1)]
    [InlineData(64, 3)]
    [InlineData(64, 4)]
    [InlineData(64, 131)]
    [InlineData(80, 33)]   // a 64-float block, then 8-float steps
    [InlineData(128, 517)]
    [InlineData(12, 9)]    // not a multiple of 8: the portable path
    public void AttendMatchesADoublePrecisionReference(int headDim, int length)
    {
        var random = new Random(headDim * 1000 + length);
        int kvHeads = 2, stride = kvHeads * headDim, offset = headDim; // the second KV head of the rows
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var q = Fill(headDim);
        var keys = Fill(length * stride);
        var values = Fill(length * stride);
        float scale = 1f / MathF.Sqrt(headDim);
        var scores = new float[length];
        var output = new float[headDim];
        fixed (float* pq = q, pk = keys, pv = values, ps = scores, po = output)
            AttentionHead.Attend(pq, pk + offset, pv + offset, stride, length, headDim, scale, ps, po);
        var expected = Reference(q, keys, values, stride, offset, length, headDim, scale);
        for (int j = 0; j < headDim; j++) Assert.Equal(expected[j], output[j], 1e-5);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(12)]
    public void OnePositionReturnsItsValueExactly(int headDim)
    {
        // The softmax of one score is exactly 1, so the output is the value row itself, bit for bit.
        var random = new Random(headDim);
        var q = Enumerable.Range(0, headDim).Select(_ => (float)random.NextDouble()).ToArray();
        var key = Enumerable.Range(0, headDim).Select(_ => (float)random.NextDouble()).ToArray();
        var value = Enumerable.Range(0, headDim).Select(_ => (float)random.NextDouble()).ToArray();
        var output = new float[headDim];
        var scores = new float[1];
        fixed (float* pq = q, pk = key, pv = value, ps = scores, po = output)
            AttentionHead.Attend(pq, pk, pv, headDim, 1, headDim, 0.125f, ps, po);
        Assert.Equal(value, output);
    }
}
