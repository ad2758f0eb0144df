using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Batched;

/// <summary>
/// Q8_0 in a tile: the block's signed levels as they are (vpmaddubsw on |w| and a·sign(w), as
/// <see cref="Q8_0DotAvx2"/>), so every output equals its <see cref="Q8_0DotAvx2.Dot"/> bit for bit.
/// </summary>
internal unsafe struct Q8_0Tile : ITileFormat<Vector256<sbyte>, Q8Column>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> Unpack(byte* row, int block) => Avx.LoadVector256((sbyte*)&((BlockQ8_0*)row)[block].Qs);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Q8Column Column(ActivationBlockQ8* a) => new(Avx.LoadVector256((sbyte*)&a->Qs));

    /// <summary>s + scale·Σw·y over one block; the accumulator by value so the JIT keeps it in a register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mac(Vector256<sbyte> w, float* scale, Q8Column y, Vector256<float> s) =>
        Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(scale), Avx.ConvertToVector256Single(Avx2Int8.MulSumPairs(w, y.Y)), s);
}
