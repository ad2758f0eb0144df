using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Takase.Engine.Kernels.Quantized;

/// <summary>
/// The integer building blocks of the portable 128-bit row dots, written with the cross-platform
/// <see cref="Vector128"/> API only (NEON on ARM64, SSE on x64). There is no portable vpmaddubsw or sdot, so byte
/// products are formed in 16 bits after widening and summed into 32 bits.
/// </summary>
internal static class Int8Vector128
{
    /// <summary>Σ q·a of 16 signed byte pairs as 4 int lanes. Two products are added in 16 bits before widening:
    /// exact while |q·a| ≤ 128·127 (activations from <see cref="ActivationQ8"/> lie in [−127, 127]; the K-quant
    /// kernels pass levels of at most 6 bits, whose products with any byte fit with room to spare).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> MulSum(Vector128<sbyte> q, Vector128<sbyte> a)
    {
        var pairs = Vector128.WidenLower(q) * Vector128.WidenLower(a) + Vector128.WidenUpper(q) * Vector128.WidenUpper(a);
        return Vector128.WidenLower(pairs) + Vector128.WidenUpper(pairs);
    }

    /// <summary>The low nibbles of 16 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Low(Vector128<byte> b) => b & Vector128.Create((byte)0x0F);

    /// <summary>The high nibbles of 16 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> High(Vector128<byte> b) => Vector128.ShiftRightLogical(b, 4);

    /// <summary>The 12 packed bytes of a Q4_K block (<see cref="Tensors.Blocks.PackedScales"/>) as the eight 6-bit
    /// scales (byte g of <paramref name="scales"/> is group g's) and the eight mins, all groups at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void UnpackScalesMins(byte* packed, out ulong scales, out ulong mins)
    {
        const uint mask6 = 0x3F3F3F3F, mask4 = 0x0F0F0F0F, mask2 = 0x03030303;
        uint u0 = Unsafe.ReadUnaligned<uint>(packed), u1 = Unsafe.ReadUnaligned<uint>(packed + 4), u2 = Unsafe.ReadUnaligned<uint>(packed + 8);
        // Groups 0–3: low 6 bits of bytes 0–3 (scales) and 4–7 (mins). Groups 4–7: the nibbles of bytes 8–11 with the
        // top two bits of bytes 0–3 (scales) and 4–7 (mins) above them.
        ulong scalesHigh = (u2 & mask4) | (((u0 >> 6) & mask2) << 4);
        ulong minsHigh = ((u2 >> 4) & mask4) | (((u1 >> 6) & mask2) << 4);
        scales = (u0 & mask6) | scalesHigh << 32;
        mins = (u1 & mask6) | minsHigh << 32;
    }
}
