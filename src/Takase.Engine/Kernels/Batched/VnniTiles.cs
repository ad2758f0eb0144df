using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Batched;

/// <summary>
/// The tile formats for CPUs with AVX-VNNI (vpdpbusd: Σ of 4 unsigned × signed byte products added to each 32-bit lane in
/// one instruction, where AVX2 needs vpmaddubsw, vpmaddwd and an offset or sign fix-up): Q4_0's nibbles go in unsigned
/// with the accumulator starting at −8·Σy; Q8_0 and Q5_0 by the sign trick. Each block's 8 lanes are the same integers
/// as the AVX2 formats' Σw·y — no 16-bit intermediate can saturate here, and none did there — so every output equals
/// its row dot bit for bit.
/// </summary>
internal static class Vnni
{
    /// <summary>Whether this CPU has the 256-bit VNNI instructions (and AVX2 + FMA for the rest of the tile).</summary>
    public static bool IsSupported { get; } = AvxVnni.IsSupported && RowDots.UseAvx2;
}

/// <summary>An activation block for <see cref="Q4_0TileVnni"/>: its levels, and −8·Σ of each 4 of them (as 8 ints, the
/// value the dot-product accumulator starts from).</summary>
internal readonly record struct VnniColumn(Vector256<sbyte> Y, Vector256<int> Start);

/// <summary>Q4_0 with VNNI: the nibbles q go in as they are and the accumulator starts at −8·Σy, so the sums are
/// Σ(q−8)·y.</summary>
internal unsafe struct Q4_0TileVnni : ITileFormat<Vector256<byte>, VnniColumn>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Unpack(byte* row, int block) => Q4_0Tile.Unpack(row, block);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VnniColumn Column(ActivationBlockQ8* a)
    {
        var y = Avx.LoadVector256((sbyte*)&a->Qs);
        var sum = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Create((byte)8), y);
        return new(y, Avx2.Subtract(Vector256<int>.Zero, sum));
    }

    /// <summary>s + scale·Σ(q−8)·y over one block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mac(Vector256<byte> w, float* scale, VnniColumn y, Vector256<float> s) =>
        Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(scale), Avx.ConvertToVector256Single(AvxVnni.MultiplyWideningAndAdd(y.Start, w, y.Y)), s);
}

/// <summary>A block's signed levels for the sign-trick VNNI tiles: their magnitudes (unsigned) and the levels.</summary>
internal readonly record struct SignedLevels(Vector256<byte> Magnitude, Vector256<sbyte> Levels);

/// <summary>
/// Q8_0 with VNNI by the sign trick: vpdpbusd of |w| and y·sign(w), the same integers Σw·y as
/// <see cref="Q8_0Tile"/> (|−128| = 128 is exact as an unsigned byte). Per row and column that is a vpsignb and a
/// vpdpbusd, with no per-column accumulator start to make.
/// </summary>
internal unsafe struct Q8_0TileVnniSign : ITileFormat<SignedLevels, Q8Column>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SignedLevels Unpack(byte* row, int block)
    {
        var w = Q8_0Tile.Unpack(row, block);
        return new(Avx2.Sign(w, w).AsByte(), w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Q8Column Column(ActivationBlockQ8* a) => Q8_0Tile.Column(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mac(SignedLevels w, float* scale, Q8Column y, Vector256<float> s) =>
        Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(scale),
            Avx.ConvertToVector256Single(AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, w.Magnitude, Avx2.Sign(y.Y, w.Levels))), s);
}

/// <summary>Q5_0 with VNNI by the sign trick: the levels − 16 of <see cref="Q5_0Tile"/>, as <see cref="Q8_0TileVnniSign"/>.</summary>
internal unsafe struct Q5_0TileVnniSign : ITileFormat<SignedLevels, Q8Column>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SignedLevels Unpack(byte* row, int block)
    {
        var w = Q5_0Tile.Unpack(row, block);
        return new(Avx2.Sign(w, w).AsByte(), w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Q8Column Column(ActivationBlockQ8* a) => Q8_0Tile.Column(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mac(SignedLevels w, float* scale, Q8Column y, Vector256<float> s) => Q8_0TileVnniSign.Mac(w, scale, y, s);
}
