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

/// <summary>An activation block for the offset VNNI formats: its levels, and −offset·Σ of each 4 of them (as 8 ints,
/// the value the dot-product accumulator starts from, so the unsigned levels q come out as Σ(q − offset)·y).</summary>
internal readonly record struct VnniColumn(Vector256<sbyte> Y, Vector256<int> Start)
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe VnniColumn Load(ActivationBlockQ8* a, byte offset)
    {
        var y = Avx.LoadVector256((sbyte*)&a->Qs);
        var sum = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Create(offset), y);
        return new(y, Avx2.Subtract(Vector256<int>.Zero, sum));
    }

    /// <summary>Start + Σ of each 4 products of the unsigned levels with the column's: the integers Σ(q − offset)·y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<int> Dot(Vector256<byte> q) => AvxVnni.MultiplyWideningAndAdd(Start, q, Y);
}

/// <summary>Q4_0 with VNNI: the nibbles q go in as they are and the accumulator starts at −8·Σy, so the sums are
/// Σ(q−8)·y.</summary>
internal unsafe struct Q4_0TileVnni : ITileFormat<Vector256<byte>, VnniColumn>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Unpack(byte* row, int block) => Q4_0Tile.Unpack(row, block);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VnniColumn Column(ActivationBlockQ8* a) => VnniColumn.Load(a, 8);

    /// <summary>s + scale·Σ(q−8)·y over one block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mac(Vector256<byte> w, float* scale, VnniColumn y, Vector256<float> s) =>
        Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(scale), Avx.ConvertToVector256Single(y.Dot(w)), s);
}

/// <summary>
/// Q8_0 with VNNI by an offset: the levels w + 128 go in unsigned (one xor per row's block) and the accumulator starts
/// at −128·Σy (once per column's block), so the sums are Σw·y — the integers of <see cref="Q8_0Tile"/>. Per row and
/// column that is one vpdpbusd, against the sign trick's two instructions; the column's start costs more than the
/// sign, so this pays in the 4-row tile, where each start serves 4 rows.
/// </summary>
internal unsafe struct Q8_0TileVnniOffset : ITileFormat<Vector256<byte>, VnniColumn>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Unpack(byte* row, int block) =>
        Avx2.Xor(Avx.LoadVector256((byte*)&((BlockQ8_0*)row)[block].Qs), Vector256.Create((byte)0x80));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VnniColumn Column(ActivationBlockQ8* a) => VnniColumn.Load(a, 128);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mac(Vector256<byte> w, float* scale, VnniColumn y, Vector256<float> s) => Q4_0TileVnni.Mac(w, scale, y, s);
}

/// <summary>Q5_0 with VNNI by an offset: the 5-bit levels q (0–31) go in unsigned and the accumulator starts at −16·Σy,
/// the integers Σ(q − 16)·y of <see cref="Q5_0Tile"/>; for the 4-row tile, as <see cref="Q8_0TileVnniOffset"/>.</summary>
internal unsafe struct Q5_0TileVnniOffset : ITileFormat<Vector256<byte>, VnniColumn>
{
    /// <summary>The block's 32 levels: the nibbles, with 0x10 where bit k of qh is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Unpack(byte* row, int block)
    {
        var b = &((BlockQ5_0*)row)[block];
        return Avx2.Or(Avx2Int8.Nibbles((byte*)&b->Qs), Avx2.And(Q5_0Tile.HighBits(b), Vector256.Create((byte)0x10)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VnniColumn Column(ActivationBlockQ8* a) => VnniColumn.Load(a, 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mac(Vector256<byte> w, float* scale, VnniColumn y, Vector256<float> s) => Q4_0TileVnni.Mac(w, scale, y, s);
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
