using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Takase.Engine.Kernels.Quantized;

/// <summary>
/// f16 → f32 by bit arithmetic, for the block scales the dot kernels read (one or two per 32 weights) and for F16
/// rows. .NET exposes no F16C intrinsic, and the library conversion is a slow general routine. Moving the exponent
/// and mantissa into place and multiplying by 2^112 re-biases normals and subnormals exactly; infinities and NaNs
/// (exponent all ones) get the float's all-ones exponent, NaNs made quiet. Equal to <see cref="Tensors.Fp16.ToFloat"/> for every input
/// (a test checks all 65536).
/// </summary>
internal static class HalfBits
{
    private const float Rebias = 5.192296858534828e33f; // 2^112

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToFloat(ushort h)
    {
        uint magnitude = (uint)(h & 0x7FFF) << 13;
        float f = BitConverter.UInt32BitsToSingle(magnitude) * Rebias;
        uint bits = magnitude >= 0x0F800000 ? Special(magnitude) : BitConverter.SingleToUInt32Bits(f);
        return BitConverter.UInt32BitsToSingle(bits | (uint)(h & 0x8000) << 16);
    }

    // Infinity stays infinity; a NaN keeps its payload and becomes quiet, as F16C's vcvtph2ps does.
    private static uint Special(uint magnitude) => magnitude | 0x7F800000 | ((magnitude & 0x007FFFFF) != 0 ? 0x00400000u : 0);

    /// <summary>
    /// Eight halves, sign-extended to 32-bit lanes (what vpmovsxwd loads), → eight floats in three operations: shift
    /// the half's bits into the float's places, keep the sign and the 15 magnitude bits, re-bias by 2^112. Exact for
    /// every finite half, subnormals and zeros included; an infinity or NaN comes out as a wrong finite value, so
    /// callers fold each row through <see cref="MaxMagnitude"/> and, when <see cref="HasSpecial"/> says it held one,
    /// convert that row with <see cref="ToFloat(Vector256{uint})"/>. This is the F16 rows' hot loop: the exact
    /// conversion costs four times the operations.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToFloatFinite(Vector256<int> signExtended) =>
        ((signExtended << 13) & Vector256.Create(unchecked((int)0x8FFFE000))).AsSingle() * Vector256.Create(Rebias);

    /// <summary>Magnitudes (sign cleared) at or above this are infinities and NaNs.</summary>
    public const ushort SpecialMagnitude = 0x7C00;

    /// <summary>Sixteen halves' magnitudes (sign cleared) folded into a running lane-wise maximum: a row holds an
    /// infinity or NaN exactly when some lane of the result reaches <see cref="SpecialMagnitude"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ushort> MaxMagnitude(Vector256<ushort> max, Vector256<ushort> h) =>
        Vector256.Max(max, h & Vector256.Create((ushort)0x7FFF));

    /// <summary>Whether a <see cref="MaxMagnitude"/> result saw an infinity or NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasSpecial(Vector256<ushort> max) =>
        Vector256.GreaterThanOrEqualAny(max, Vector256.Create(SpecialMagnitude));

    /// <summary>Eight halves (zero-extended to 32-bit lanes) → eight floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToFloat(Vector256<uint> h)
    {
        var magnitude = (h & Vector256.Create(0x7FFFu)) << 13;
        var f = magnitude.AsSingle() * Vector256.Create(Rebias);
        var special = Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(0x0F800000u));
        var nan = ~Vector256.Equals(magnitude & Vector256.Create(0x007FFFFFu), Vector256<uint>.Zero) & Vector256.Create(0x00400000u);
        var bits = Vector256.ConditionalSelect(special, magnitude | Vector256.Create(0x7F800000u) | nan, f.AsUInt32());
        return (bits | ((h & Vector256.Create(0x8000u)) << 16)).AsSingle();
    }
}
