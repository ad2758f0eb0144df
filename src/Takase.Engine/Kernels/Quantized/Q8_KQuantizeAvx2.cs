using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Quantized;

/// <summary>
/// Float activations → ggml's block_q8_K with AVX2, byte for byte what <see cref="Q8_KScalar.Quantize"/> writes (the
/// levels, d and 16-element sums the K-quant row dots and tiles read); <see cref="ActivationQ8.QuantizeQ8K"/> uses it
/// wherever AVX2 runs. A prompt quantizes every column before its product starts, on one thread; the scalar quantizer
/// took as long as a quarter of the tiled Q4_K product it feeds.
/// </summary>
internal static unsafe class Q8_KQuantizeAvx2
{
    /// <summary>Whether this CPU runs <see cref="Quantize"/>.</summary>
    public static bool IsSupported => Avx2.IsSupported;

    /// <summary>
    /// Per block of 256: the first element of largest magnitude (x) maps to −127 exactly, d = 1/(−127/x); levels
    /// round(−127/x · v) half to even, at most 127 (<see cref="QuantFitting.NearestInt"/>'s result for |v| &lt; 2²²);
    /// an all-zero block stays all zero. NaNs are skipped by the maximum as the scalar comparison skips them.
    /// </summary>
    public static void Quantize(float* x, int n, BlockQ8_K* dst)
    {
        var magnitude = Vector256.Create(0x7FFFFFFF).AsSingle();
        for (int b = 0; b < n / BlockQ8_K.Elements; b++, x += BlockQ8_K.Elements)
        {
            // vmaxps returns its second operand when either is NaN: a NaN element never becomes the maximum.
            var amaxv = Vector256<float>.Zero;
            for (int k = 0; k < BlockQ8_K.Elements; k += 8)
                amaxv = Avx.Max(Avx.And(Avx.LoadVector256(x + k), magnitude), amaxv);
            var m = Sse.Max(amaxv.GetLower(), amaxv.GetUpper());
            m = Sse.Max(m, Sse.MoveHighToLow(m, m));
            float amax = Sse.MaxScalar(m, Sse.Shuffle(m, m, 1)).ToScalar();
            if (amax == 0)
            {
                dst[b] = default;
                continue;
            }
            float iscale = -127f / x[FirstOfMagnitude(x, amax, magnitude)];
            var scale = Vector256.Create(iscale);
            var top = Vector256.Create(127);
            var bias = Vector256.Create((byte)0x80);
            sbyte* qs = (sbyte*)&dst[b].Qs;
            short* bsums = (short*)&dst[b].BSums;
            for (int k = 0; k < BlockQ8_K.Elements; k += 32)
            {
                var q0 = Level(x + k, scale, top);
                var q1 = Level(x + k + 8, scale, top);
                var q2 = Level(x + k + 16, scale, top);
                var q3 = Level(x + k + 24, scale, top);
                var bytes = Vector256.Narrow(Vector256.Narrow(q0, q1), Vector256.Narrow(q2, q3));
                bytes.Store(qs + k);
                // Σ of each 16 levels: biased to unsigned, summed 8 at a time by vpsadbw, the bias taken off again.
                var eights = Avx2.SumAbsoluteDifferences(Avx2.Xor(bytes.AsByte(), bias), Vector256<byte>.Zero).AsInt64();
                bsums[k / 16] = (short)(eights.GetElement(0) + eights.GetElement(1) - 16 * 128);
                bsums[k / 16 + 1] = (short)(eights.GetElement(2) + eights.GetElement(3) - 16 * 128);
            }
            dst[b].D = 1 / iscale;
        }
    }

    /// <summary>Index of the first element whose magnitude is <paramref name="amax"/> (its sign picks the scale's).</summary>
    private static int FirstOfMagnitude(float* x, float amax, Vector256<float> magnitude)
    {
        var target = Vector256.Create(amax);
        for (int k = 0; ; k += 8)
        {
            uint hits = (uint)Avx.MoveMask(Avx.CompareEqual(Avx.And(Avx.LoadVector256(x + k), magnitude), target));
            if (hits != 0) return k + BitOperations.TrailingZeroCount(hits);
        }
    }

    /// <summary>min(127, round-half-even(scale·v)) for 8 elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Level(float* x, Vector256<float> scale, Vector256<int> top) =>
        Avx2.Min(Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(Avx.Multiply(scale, Avx.LoadVector256(x)))), top);
}
