using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Batched;

/// <summary>
/// Q5_0 in a tile: each block's 5-bit levels assembled once (as <see cref="Q5_0DotAvx2"/> does: nibbles, with 0xF0
/// or-ed in where the fifth bit is clear, which is q − 16 as a signed byte), so every output equals its
/// <see cref="Q5_0DotAvx2.Dot"/> bit for bit. Qwen-width Q4_K_M models are mostly Q5_0.
/// </summary>
internal unsafe struct Q5_0Tile : ITileFormat<Vector256<sbyte>, Q8Column>
{
    /// <summary>The block's 32 levels minus 16 as signed bytes: bit k of qh spread to byte k, 0xF0 where it is clear.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> Unpack(byte* row, int block)
    {
        var b = &((BlockQ5_0*)row)[block];
        var spread = Vector256.Create((byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
        var bit = Vector256.Create((byte)1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
        var qh = Avx2.Shuffle(Vector256.Create(*(uint*)&b->Qh).AsByte(), spread);
        var set = Avx2.CompareEqual(Avx2.And(qh, bit), bit);
        return Avx2.Or(Avx2Int8.Nibbles((byte*)&b->Qs), Avx2.AndNot(set, Vector256.Create((byte)0xF0))).AsSByte();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Q8Column Column(ActivationBlockQ8* a) => Q8_0Tile.Column(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mac(Vector256<sbyte> w, float* scale, Q8Column y, Vector256<float> s) => Q8_0Tile.Mac(w, scale, y, s);
}
