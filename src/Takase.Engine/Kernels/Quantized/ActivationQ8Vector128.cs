using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Takase.Engine.Tensors;

namespace Takase.Engine.Kernels.Quantized;

/// <summary><see cref="ActivationQ8.QuantizeQ8Scalar"/> with Vector128 (eight vectors per block), giving the same
/// bytes: the same absmax, the same f16-rounded scale, and levels rounded half to even as MathF.Round does.</summary>
internal static unsafe class ActivationQ8Vector128
{
    public static void Quantize(float* x, int n, ActivationBlockQ8* dst)
    {
        for (int b = 0; b < n / ActivationBlockQ8.Elements; b++)
        {
            float* xb = x + b * ActivationBlockQ8.Elements;
            var v0 = Vector128.Load(xb);
            var v1 = Vector128.Load(xb + 4);
            var v2 = Vector128.Load(xb + 8);
            var v3 = Vector128.Load(xb + 12);
            var v4 = Vector128.Load(xb + 16);
            var v5 = Vector128.Load(xb + 20);
            var v6 = Vector128.Load(xb + 24);
            var v7 = Vector128.Load(xb + 28);
            var max = Vector128.Max(
                Vector128.Max(Vector128.Max(Vector128.Abs(v0), Vector128.Abs(v1)), Vector128.Max(Vector128.Abs(v2), Vector128.Abs(v3))),
                Vector128.Max(Vector128.Max(Vector128.Abs(v4), Vector128.Abs(v5)), Vector128.Max(Vector128.Abs(v6), Vector128.Abs(v7))));
            float amax = MathF.Max(MathF.Max(max.GetElement(0), max.GetElement(1)), MathF.Max(max.GetElement(2), max.GetElement(3)));
            float id = amax != 0 ? 127f / amax : 0f;
            dst[b].D = Fp16.ToFloat(Fp16.FromFloat(amax / 127f));
            var mul = Vector128.Create(id);
            var lower = Vector128.Narrow(Vector128.Narrow(Level(v0, mul), Level(v1, mul)), Vector128.Narrow(Level(v2, mul), Level(v3, mul)));
            var upper = Vector128.Narrow(Vector128.Narrow(Level(v4, mul), Level(v5, mul)), Vector128.Narrow(Level(v6, mul), Level(v7, mul)));
            sbyte* q = (sbyte*)&dst[b].Qs;
            lower.Store(q);
            upper.Store(q + 16);
        }
    }

    /// <summary>round(v·mul) half to even, as ints (|·| ≤ 127, so the narrowing that follows is exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Level(Vector128<float> v, Vector128<float> mul) => Vector128.ConvertToInt32(Vector128.Round(v * mul));
}
