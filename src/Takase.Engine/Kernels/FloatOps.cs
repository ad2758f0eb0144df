namespace Takase.Engine.Kernels;

/// <summary>
/// Scalar reference kernels for the float parts of a transformer step (norms, RoPE, softmax, activations).
/// SIMD versions (a later issue) are tested against these.
/// </summary>
public static class FloatOps
{
    /// <summary>dst = x / rms(x) * weight, with rms(x) = sqrt(mean(x²) + eps) accumulated in double.</summary>
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> dst)
    {
        double ss = 0;
        foreach (var v in x) ss += (double)v * v;
        var scale = (float)(1.0 / Math.Sqrt(ss / x.Length + eps));
        for (var i = 0; i < x.Length; i++) dst[i] = x[i] * scale * weight[i];
    }

    /// <summary>In-place softmax over <paramref name="x"/>.</summary>
    public static void Softmax(Span<float> x)
    {
        var max = float.NegativeInfinity;
        foreach (var v in x) if (v > max) max = v;
        double sum = 0;
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = MathF.Exp(x[i] - max);
            sum += x[i];
        }
        var inv = (float)(1.0 / sum);
        for (var i = 0; i < x.Length; i++) x[i] *= inv;
    }

    /// <summary>gate[i] = silu(gate[i]) * up[i]: the SwiGLU of llama-style feed-forward blocks.</summary>
    public static void SwiGlu(Span<float> gate, ReadOnlySpan<float> up)
    {
        for (var i = 0; i < gate.Length; i++)
        {
            var g = gate[i];
            gate[i] = g / (1f + MathF.Exp(-g)) * up[i];
        }
    }

    /// <summary>x += y.</summary>
    public static void Add(Span<float> x, ReadOnlySpan<float> y)
    {
        for (var i = 0; i < x.Length; i++) x[i] += y[i];
    }

    /// <summary>Dot product of two float vectors.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var s = 0f;
        for (var i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>
    /// Rotary position embedding of every head in <paramref name="x"/> (heads × headDim) at <paramref name="position"/>.
    /// Only the first <paramref name="ropeDims"/> dimensions of each head rotate. <paramref name="freqFactors"/>
    /// (llama3-style rope_freqs, one per pair) divide each pair's frequency when present.
    /// </summary>
    public static void Rope(Span<float> x, int heads, int headDim, int ropeDims, int position, float freqBase,
        float positionScale, Models.RopeStyle style, ReadOnlySpan<float> freqFactors)
    {
        var half = ropeDims / 2;
        var pos = position * positionScale;
        for (var i = 0; i < half; i++)
        {
            var freq = Math.Pow(freqBase, -2.0 * i / ropeDims);
            if (!freqFactors.IsEmpty) freq /= freqFactors[i];
            var angle = pos * freq;
            var cos = (float)Math.Cos(angle);
            var sin = (float)Math.Sin(angle);
            for (var h = 0; h < heads; h++)
            {
                var head = x.Slice(h * headDim, headDim);
                int a, b;
                if (style == Models.RopeStyle.Normal) { a = 2 * i; b = 2 * i + 1; }
                else { a = i; b = i + half; }
                var x0 = head[a];
                var x1 = head[b];
                head[a] = x0 * cos - x1 * sin;
                head[b] = x0 * sin + x1 * cos;
            }
        }
    }
}
