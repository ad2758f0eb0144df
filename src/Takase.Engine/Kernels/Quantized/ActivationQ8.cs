using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Tensors;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Quantized;

/// <summary>
/// One block of 32 activations quantized to 8 bits for the integer dot products of Q4_0, Q5_0 and Q8_0 weights:
/// ggml's block_q8_0 with the scale kept as a float (already rounded to f16, so the numbers are llama.cpp's) so that
/// the inner loop converts no halves.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct ActivationBlockQ8
{
    public const int Elements = 32;
    public float D;
    public SBytes32 Qs;
}

/// <summary>
/// Float activations → 8-bit blocks, once per matrix–vector product (the weights are then read as integers).
/// <see cref="QuantizeQ8Scalar"/> is the reference; <see cref="QuantizeQ8Avx2"/> must give the same bytes.
/// K-quant weights take ggml's block_q8_K, whose x86 quantizer is the scalar reference (<see cref="Q8_KScalar"/>).
/// </summary>
internal static unsafe class ActivationQ8
{
    /// <summary>Bytes the Q8_0-style activation of <paramref name="n"/> floats takes (n a multiple of 32).</summary>
    public static int Q8Bytes(int n) => n / ActivationBlockQ8.Elements * sizeof(ActivationBlockQ8);

    /// <summary>Bytes the Q8_K activation of <paramref name="n"/> floats takes (n a multiple of 256).</summary>
    public static int Q8KBytes(int n) => n / BlockQ8_K.Elements * sizeof(BlockQ8_K);

    /// <summary>The fastest Q8_0-style quantizer this CPU supports.</summary>
    public static void QuantizeQ8(float* x, int n, ActivationBlockQ8* dst)
    {
        if (Avx2.IsSupported) QuantizeQ8Avx2(x, n, dst);
        else if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated) ActivationQ8Vector128.Quantize(x, n, dst);
        else QuantizeQ8Scalar(x, n, dst);
    }

    /// <summary>d = absmax/127 rounded to f16 (as ggml stores it); levels round(x·127/absmax), ties to even as the
    /// AVX2 path of ggml's quantize_row_q8_0 does.</summary>
    public static void QuantizeQ8Scalar(float* x, int n, ActivationBlockQ8* dst)
    {
        for (int b = 0; b < n / ActivationBlockQ8.Elements; b++)
        {
            float* xb = x + b * ActivationBlockQ8.Elements;
            float amax = 0;
            for (int j = 0; j < ActivationBlockQ8.Elements; j++) amax = MathF.Max(amax, MathF.Abs(xb[j]));
            float id = amax != 0 ? 127f / amax : 0f;
            dst[b].D = Fp16.ToFloat(Fp16.FromFloat(amax / 127f));
            for (int j = 0; j < ActivationBlockQ8.Elements; j++) dst[b].Qs[j] = (sbyte)MathF.Round(xb[j] * id);
        }
    }

    /// <summary><see cref="QuantizeQ8Scalar"/> with Vector256: four float vectors per block, narrowed to bytes.</summary>
    public static void QuantizeQ8Avx2(float* x, int n, ActivationBlockQ8* dst)
    {
        var signBit = Vector256.Create(-0f);
        for (int b = 0; b < n / ActivationBlockQ8.Elements; b++)
        {
            float* xb = x + b * ActivationBlockQ8.Elements;
            var v0 = Avx.LoadVector256(xb);
            var v1 = Avx.LoadVector256(xb + 8);
            var v2 = Avx.LoadVector256(xb + 16);
            var v3 = Avx.LoadVector256(xb + 24);
            var max = Avx.Max(Avx.Max(Avx.AndNot(signBit, v0), Avx.AndNot(signBit, v1)),
                Avx.Max(Avx.AndNot(signBit, v2), Avx.AndNot(signBit, v3)));
            var m128 = Sse.Max(max.GetLower(), max.GetUpper());
            m128 = Sse.Max(m128, Sse.MoveHighToLow(m128, m128));
            m128 = Sse.MaxScalar(m128, Sse.Shuffle(m128, m128, 1));
            float amax = m128.ToScalar();
            float id = amax != 0 ? 127f / amax : 0f;
            dst[b].D = Fp16.ToFloat(Fp16.FromFloat(amax / 127f));
            var mul = Vector256.Create(id);
            var i0 = Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(v0, mul)));
            var i1 = Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(v1, mul)));
            var i2 = Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(v2, mul)));
            var i3 = Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(v3, mul)));
            var bytes = Vector256.Narrow(Vector256.Narrow(i0, i1), Vector256.Narrow(i2, i3));
            bytes.Store((sbyte*)&dst[b].Qs);
        }
    }

    /// <summary>ggml's quantize_row_q8_K (on x86 the scalar reference): float scale, levels, and 16-element sums.</summary>
    public static void QuantizeQ8K(float* x, int n, BlockQ8_K* dst)
    {
        // The AVX2 quantizer writes the same bytes as the scalar one (tested), a twentieth of the time.
        if (Q8_KQuantizeAvx2.IsSupported) Q8_KQuantizeAvx2.Quantize(x, n, dst);
        else Q8_KScalar.Quantize(new ReadOnlySpan<float>(x, n), new Span<byte>(dst, Q8KBytes(n)));
    }
}
