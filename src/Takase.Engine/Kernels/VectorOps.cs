using System.Numerics.Tensors;

namespace Takase.Engine.Kernels;

/// <summary>
/// The float parts of a transformer step with SIMD (TensorPrimitives picks Vector128/256/512 from the CPU): what the
/// forward pass runs. <see cref="FloatOps"/> holds the scalar references they are tested against; results differ only
/// in the order of float additions.
/// </summary>
public static class VectorOps
{
    /// <summary>dst = x / rms(x) * weight, with rms(x) = sqrt(mean(x²) + eps).</summary>
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> dst)
    {
        var scale = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(x) / x.Length + eps);
        TensorPrimitives.Multiply(x, scale, dst);
        TensorPrimitives.Multiply(dst[..x.Length], weight[..x.Length], dst);
    }

    /// <summary>In-place softmax, shifted by the maximum so large scores cannot overflow.</summary>
    public static void Softmax(Span<float> x)
    {
        TensorPrimitives.Subtract(x, TensorPrimitives.Max(x), x);
        TensorPrimitives.Exp(x, x);
        TensorPrimitives.Multiply(x, 1f / TensorPrimitives.Sum(x), x);
    }

    /// <summary>gate[i] = silu(gate[i]) * up[i], in chunks so the sigmoid needs only stack scratch.</summary>
    public static void SwiGlu(Span<float> gate, ReadOnlySpan<float> up)
    {
        Span<float> sigmoid = stackalloc float[256];
        for (int i = 0; i < gate.Length; i += sigmoid.Length)
        {
            var g = gate.Slice(i, Math.Min(sigmoid.Length, gate.Length - i));
            var s = sigmoid[..g.Length];
            TensorPrimitives.Sigmoid(g, s);
            TensorPrimitives.Multiply(g, s, g);
            TensorPrimitives.Multiply(g, up.Slice(i, g.Length), g);
        }
    }

    /// <summary>x += y.</summary>
    public static void Add(Span<float> x, ReadOnlySpan<float> y) => TensorPrimitives.Add(x, y[..x.Length], x);
}
