using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Batched;

/// <summary>An activation block for Q4_0 weights: its levels and 8·Σ of its pairs (vpmaddubsw of 8 with it, once per
/// column).</summary>
internal readonly record struct Q4_0Column(Vector256<sbyte> Y, Vector256<short> Offset);

/// <summary>
/// Q4_0 in a tile: each block's nibbles unpacked once. The 4-bit levels go into vpmaddubsw unsigned, and 8·Σa is
/// subtracted in 16 bits: the same integers as Σ(q−8)·a of <see cref="Q4_0DotAvx2"/>, so every output equals its
/// <see cref="Q4_0DotAvx2.Dot"/> bit for bit.
/// </summary>
internal unsafe struct Q4_0Tile : ITileFormat<Vector256<byte>, Q4_0Column>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Unpack(byte* row, int block) => Avx2Int8.Nibbles((byte*)&((BlockQ4_0*)row)[block].Qs);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Q4_0Column Column(ActivationBlockQ8* a)
    {
        var y = Avx.LoadVector256((sbyte*)&a->Qs);
        return new(y, Avx2.MultiplyAddAdjacent(Vector256.Create((byte)8), y));
    }

    /// <summary>s + scale·Σ(q−8)·y over one block: the levels unsigned into vpmaddubsw, minus 8·Σy, in 16 bits (pair
    /// sums stay within ±4000), then pairs of pairs to 32 bits. The accumulator is passed and returned by value so
    /// the JIT keeps it in a register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mac(Vector256<byte> q, float* scale, Q4_0Column y, Vector256<float> s)
    {
        var p = Avx.ConvertToVector256Single(Avx2Int8.SumPairs(Avx2.Subtract(Avx2.MultiplyAddAdjacent(q, y.Y), y.Offset)));
        return Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(scale), p, s);
    }
}
