using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Takase.Engine.Kernels;

/// <summary>
/// One query head attending over a KV cache: scores = q·k / √d, softmax, then the weighted sum of the values. The
/// single-token forward pass and the batched attention both call it, so they agree bit for bit.
/// With AVX2 + FMA and a head size that is a multiple of 8, the loops are written out with the query and output held
/// in registers: a head is only 64 or 128 floats, and a library call per cache row (two per position and head) cost
/// more than the arithmetic — at eight sequences it was a fifth of a decode step.
/// </summary>
internal static unsafe class AttentionHead
{
    /// <summary>Whether the register kernel runs for heads of <paramref name="headDim"/> floats on this CPU.</summary>
    public static bool Vectorised(int headDim) => Fma.IsSupported && headDim % 8 == 0 && headDim > 0;

    /// <summary>
    /// output[0, headDim) = Σₜ softmax(q·kₜ·scale)ₜ · vₜ over positions t &lt; <paramref name="length"/>; position t's key
    /// at keys + t·stride (values likewise). <paramref name="scores"/> holds at least <paramref name="length"/> floats
    /// of scratch.
    /// </summary>
    public static void Attend(float* q, float* keys, float* values, int stride, int length, int headDim, float scale,
        float* scores, float* output)
    {
        if (!Vectorised(headDim))
        {
            Portable(q, keys, values, stride, length, headDim, scale, scores, output);
            return;
        }
        int t = 0;
        for (; t + 4 <= length; t += 4)
            Scores4(q, keys + (long)t * stride, stride, headDim, scale).Store(scores + t);
        for (; t < length; t++)
            scores[t] = Avx2Sum(Dot(q, keys + (long)t * stride, headDim)) * scale;
        VectorOps.Softmax(new Span<float>(scores, length));
        WeightedSum(scores, values, stride, length, headDim, output);
    }

    /// <summary>q·k as 8 lanes still to be summed: two accumulators over 16-float steps, then an 8-float tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Dot(float* q, float* k, int n)
    {
        var a0 = Vector256<float>.Zero;
        var a1 = Vector256<float>.Zero;
        int j = 0;
        for (; j + 16 <= n; j += 16)
        {
            a0 = Fma.MultiplyAdd(Avx.LoadVector256(q + j), Avx.LoadVector256(k + j), a0);
            a1 = Fma.MultiplyAdd(Avx.LoadVector256(q + j + 8), Avx.LoadVector256(k + j + 8), a1);
        }
        if (j < n) a0 = Fma.MultiplyAdd(Avx.LoadVector256(q + j), Avx.LoadVector256(k + j), a0);
        return Avx.Add(a0, a1);
    }

    /// <summary>The scaled scores of four consecutive positions: their four 8-lane dots summed by one horizontal-add
    /// tree (each score's lanes are added in the same order as <see cref="Avx2Sum"/> adds them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Scores4(float* q, float* k, int stride, int n, float scale)
    {
        var d0 = Dot(q, k, n);
        var d1 = Dot(q, k + stride, n);
        var d2 = Dot(q, k + 2 * stride, n);
        var d3 = Dot(q, k + 3 * (long)stride, n);
        return Sse.Multiply(Sum4(d0, d1, d2, d3), Vector128.Create(scale));
    }

    /// <summary>The lane sums of four vectors: (Σd0, Σd1, Σd2, Σd3), each as ((l0+l4)+(l1+l5))+((l2+l6)+(l3+l7)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector256<float> d0, Vector256<float> d1, Vector256<float> d2, Vector256<float> d3)
    {
        // Halves first (l_i + l_{i+4}), then adjacent pairs twice.
        var h0 = Sse.Add(d0.GetLower(), d0.GetUpper());
        var h1 = Sse.Add(d1.GetLower(), d1.GetUpper());
        var h2 = Sse.Add(d2.GetLower(), d2.GetUpper());
        var h3 = Sse.Add(d3.GetLower(), d3.GetUpper());
        return Sse3.HorizontalAdd(Sse3.HorizontalAdd(h0, h1), Sse3.HorizontalAdd(h2, h3));
    }

    /// <summary>One vector's lane sum in the order of <see cref="Sum4"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Avx2Sum(Vector256<float> d)
    {
        var h = Sse.Add(d.GetLower(), d.GetUpper());
        h = Sse3.HorizontalAdd(h, h);
        return Sse3.HorizontalAdd(h, h).ToScalar();
    }

    /// <summary>output = Σₜ pₜ·vₜ, 64 output floats at a time in eight registers (then 8 at a time).</summary>
    private static void WeightedSum(float* p, float* values, int stride, int length, int n, float* output)
    {
        int j = 0;
        for (; j + 64 <= n; j += 64)
        {
            Vector256<float> o0 = default, o1 = default, o2 = default, o3 = default;
            Vector256<float> o4 = default, o5 = default, o6 = default, o7 = default;
            float* v = values + j;
            for (int t = 0; t < length; t++, v += stride)
            {
                var w = Vector256.Create(p[t]);
                o0 = Fma.MultiplyAdd(Avx.LoadVector256(v), w, o0);
                o1 = Fma.MultiplyAdd(Avx.LoadVector256(v + 8), w, o1);
                o2 = Fma.MultiplyAdd(Avx.LoadVector256(v + 16), w, o2);
                o3 = Fma.MultiplyAdd(Avx.LoadVector256(v + 24), w, o3);
                o4 = Fma.MultiplyAdd(Avx.LoadVector256(v + 32), w, o4);
                o5 = Fma.MultiplyAdd(Avx.LoadVector256(v + 40), w, o5);
                o6 = Fma.MultiplyAdd(Avx.LoadVector256(v + 48), w, o6);
                o7 = Fma.MultiplyAdd(Avx.LoadVector256(v + 56), w, o7);
            }
            float* o = output + j;
            o0.Store(o); o1.Store(o + 8); o2.Store(o + 16); o3.Store(o + 24);
            o4.Store(o + 32); o5.Store(o + 40); o6.Store(o + 48); o7.Store(o + 56);
        }
        for (; j < n; j += 8)
        {
            var acc = Vector256<float>.Zero;
            float* v = values + j;
            for (int t = 0; t < length; t++, v += stride)
                acc = Fma.MultiplyAdd(Avx.LoadVector256(v), Vector256.Create(p[t]), acc);
            acc.Store(output + j);
        }
    }

    /// <summary>The same computation through TensorPrimitives, for other CPUs and head sizes.</summary>
    private static void Portable(float* q, float* keys, float* values, int stride, int length, int headDim, float scale,
        float* scores, float* output)
    {
        var query = new ReadOnlySpan<float>(q, headDim);
        for (int t = 0; t < length; t++)
            scores[t] = TensorPrimitives.Dot(query, new ReadOnlySpan<float>(keys + (long)t * stride, headDim)) * scale;
        var p = new Span<float>(scores, length);
        VectorOps.Softmax(p);
        var outHead = new Span<float>(output, headDim);
        outHead.Clear();
        for (int t = 0; t < length; t++)
            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(values + (long)t * stride, headDim), p[t], outHead, outHead);
    }
}
