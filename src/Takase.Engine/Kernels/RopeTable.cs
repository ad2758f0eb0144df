using System.Runtime.Intrinsics;

namespace Takase.Engine.Kernels;

/// <summary>
/// Rotary position embedding with its per-pair frequencies computed once per model (a Pow per pair per call was most
/// of RoPE's cost), the cos/sin of one position computed once for both the queries and the keys, and NeoX's
/// split-half rotation done eight pairs at a time. The arithmetic is <see cref="FloatOps.Rope"/>'s, operation for
/// operation (double angles rounded to float, then float products without fused multiply-adds), so the results are
/// the same bits.
/// </summary>
public sealed class RopeTable
{
    private readonly double[] _frequencies;
    private readonly float _positionScale;
    private readonly int _headDim;
    private readonly Models.RopeStyle _style;

    /// <param name="headDim">Floats per head.</param>
    /// <param name="ropeDims">The leading dimensions of each head that rotate (even).</param>
    /// <param name="freqBase">θ base.</param>
    /// <param name="positionScale">Linear position scaling (1 for none).</param>
    /// <param name="style">Adjacent pairs (llama) or split halves (NeoX: qwen2, …).</param>
    /// <param name="freqFactors">llama3-style rope_freqs (one divisor per pair), or empty.</param>
    public RopeTable(int headDim, int ropeDims, float freqBase, float positionScale, Models.RopeStyle style, ReadOnlySpan<float> freqFactors)
    {
        _headDim = headDim;
        _positionScale = positionScale;
        _style = style;
        _frequencies = new double[ropeDims / 2];
        for (var i = 0; i < _frequencies.Length; i++)
        {
            var freq = Math.Pow(freqBase, -2.0 * i / ropeDims);
            if (!freqFactors.IsEmpty) freq /= freqFactors[i];
            _frequencies[i] = freq;
        }
    }

    /// <summary>Floats of scratch <see cref="Angles"/> writes: cos then sin of every pair.</summary>
    public int AngleLength => 2 * _frequencies.Length;

    /// <summary>cos of every pair's angle at <paramref name="position"/>, then sin (<see cref="AngleLength"/> floats).</summary>
    public void Angles(int position, Span<float> cosSin)
    {
        int half = _frequencies.Length;
        var pos = position * _positionScale;
        for (var i = 0; i < half; i++)
        {
            var angle = pos * _frequencies[i];
            cosSin[i] = (float)Math.Cos(angle);
            cosSin[half + i] = (float)Math.Sin(angle);
        }
    }

    /// <summary>Rotates every head of <paramref name="x"/> (heads × headDim) by the angles of one position.</summary>
    public void Rotate(Span<float> x, int heads, ReadOnlySpan<float> cosSin)
    {
        int half = _frequencies.Length;
        var cos = cosSin[..half];
        var sin = cosSin.Slice(half, half);
        for (var h = 0; h < heads; h++)
        {
            var head = x.Slice(h * _headDim, _headDim);
            if (_style == Models.RopeStyle.Normal)
            {
                for (var i = 0; i < half; i++)
                {
                    float x0 = head[2 * i], x1 = head[2 * i + 1];
                    head[2 * i] = x0 * cos[i] - x1 * sin[i];
                    head[2 * i + 1] = x0 * sin[i] + x1 * cos[i];
                }
                continue;
            }
            var first = head[..half];
            var second = head.Slice(half, half);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j + 8 <= half; j += 8)
                {
                    var a = Vector256.Create(first.Slice(j, 8));
                    var b = Vector256.Create(second.Slice(j, 8));
                    var c = Vector256.Create(cos.Slice(j, 8));
                    var s = Vector256.Create(sin.Slice(j, 8));
                    (a * c - b * s).CopyTo(first.Slice(j, 8));
                    (a * s + b * c).CopyTo(second.Slice(j, 8));
                }
            }
            for (; j < half; j++)
            {
                float x0 = first[j], x1 = second[j];
                first[j] = x0 * cos[j] - x1 * sin[j];
                second[j] = x0 * sin[j] + x1 * cos[j];
            }
        }
    }
}
