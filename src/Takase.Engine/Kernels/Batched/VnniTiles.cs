using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Batched;

/// <summary>
/// An activation block for the VNNI tiles: its levels, and minus Σ of each 4 levels times the weights' unsigned offset
/// (as 8 ints, the value the dot-product accumulator starts from).
/// </summary>
internal readonly record struct VnniColumn(Vector256<sbyte> Y, Vector256<int> Start);

/// <summary>
/// The tile formats for CPUs with AVX-VNNI (vpdpbusd: Σ of 4 unsigned × signed byte products added to each 32-bit lane in
/// one instruction, where AVX2 needs vpmaddubsw, vpmaddwd and an offset or sign fix-up). The weights go in unsigned
/// (Q4_0's nibbles as they are; Q8_0/Q5_0 levels + 128), and the accumulator starts at −offset·Σy, so each block's
/// 8 lanes are the same integers as the AVX2 formats' Σw·y — no 16-bit intermediate can saturate here, and none
/// did there — and every output equals its row dot bit for bit.
/// </summary>
internal static unsafe class Vnni
{
    /// <summary>Whether this CPU has the 256-bit VNNI instructions (and AVX2 + FMA for the rest of the tile).</summary>
    public static bool IsSupported { get; } = AvxVnni.IsSupported && RowDots.UseAvx2;

    /// <summary>The column of <paramref name="a"/> for weights stored with unsigned offset <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VnniColumn Column(ActivationBlockQ8* a, byte offset)
    {
        var y = Avx.LoadVector256((sbyte*)&a->Qs);
        var sum = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Create(offset), y);
        return new(y, Avx2.Subtract(Vector256<int>.Zero, sum));
    }

    /// <summary>s + scale·Σw·y over one block (w unsigned, offset taken out by the column's start).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mac(Vector256<byte> w, float* scale, VnniColumn y, Vector256<float> s) =>
        Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(scale), Avx.ConvertToVector256Single(AvxVnni.MultiplyWideningAndAdd(y.Start, w, y.Y)), s);
}

/// <summary>Q4_0 with VNNI: the nibbles q go in as they are, offset 8 (Σ(q−8)·y).</summary>
internal unsafe struct Q4_0TileVnni : ITileFormat<Vector256<byte>, VnniColumn>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Unpack(byte* row, int block) => Q4_0Tile.Unpack(row, block);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VnniColumn Column(ActivationBlockQ8* a) => Vnni.Column(a, 8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mac(Vector256<byte> w, float* scale, VnniColumn y, Vector256<float> s) => Vnni.Mac(w, scale, y, s);
}

/// <summary>Q8_0 with VNNI: the signed levels + 128 (a sign-bit flip), offset 128.</summary>
internal unsafe struct Q8_0TileVnni : ITileFormat<Vector256<byte>, VnniColumn>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Unpack(byte* row, int block) =>
        Avx2.Xor(Q8_0Tile.Unpack(row, block).AsByte(), Vector256.Create((byte)0x80));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VnniColumn Column(ActivationBlockQ8* a) => Vnni.Column(a, 128);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mac(Vector256<byte> w, float* scale, VnniColumn y, Vector256<float> s) => Vnni.Mac(w, scale, y, s);
}

/// <summary>Q5_0 with VNNI: the levels − 16 of <see cref="Q5_0Tile"/> + 128, offset 128.</summary>
internal unsafe struct Q5_0TileVnni : ITileFormat<Vector256<byte>, VnniColumn>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Unpack(byte* row, int block) =>
        Avx2.Xor(Q5_0Tile.Unpack(row, block).AsByte(), Vector256.Create((byte)0x80));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VnniColumn Column(ActivationBlockQ8* a) => Vnni.Column(a, 128);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mac(Vector256<byte> w, float* scale, VnniColumn y, Vector256<float> s) => Vnni.Mac(w, scale, y, s);
}
