using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Quantized;

// The 32-element formats · Q8 activations with Vector512, two blocks per vector. They reproduce the float work of the
// AVX2 kernels exactly — the same 8 integer lanes per block, even blocks into lanes 0–7 and odd ones into 8–15 (the
// AVX2 kernels' two accumulators), the same fused multiply-adds and the same final additions — so they equal
// Q4_0DotAvx2, Q5_0DotAvx2 and Q8_0DotAvx2, and through them the AVX2 tiles of Batched, bit for bit. That is what lets
// RowDots choose them on AVX-512 hardware while TiledMatMul keeps its AVX2 tiles. An odd last block goes into the
// even lanes, the odd ones adding 0·0.

/// <summary>Q4_0 row · Q8 activation with Vector512.</summary>
internal static unsafe class Q4_0DotVector512
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ4_0*)row;
        var y = (ActivationBlockQ8*)act;
        var acc = Vector512<float>.Zero;
        int i = 0;
        for (; i + 1 < blocks; i += 2)
        {
            var q = Vector512.Create(Levels(&x[i]), Levels(&x[i + 1]));
            var a = Vector512.Create(Vector256.Load((sbyte*)&y[i].Qs), Vector256.Load((sbyte*)&y[i + 1].Qs));
            var scales = Vector512.Create(Vector256.Create(HalfBits.ToFloat(x[i].D) * y[i].D), Vector256.Create(HalfBits.ToFloat(x[i + 1].D) * y[i + 1].D));
            acc = Vector512.FusedMultiplyAdd(scales, Vector512.ConvertToSingle(Int8Vector512.QuadSums(q, a)), acc);
        }
        if (i < blocks)
        {
            var q = Vector512.Create(Levels(&x[i]), Vector256<sbyte>.Zero);
            var a = Vector512.Create(Vector256.Load((sbyte*)&y[i].Qs), Vector256<sbyte>.Zero);
            var scales = Vector512.Create(Vector256.Create(HalfBits.ToFloat(x[i].D) * y[i].D), Vector256<float>.Zero);
            acc = Vector512.FusedMultiplyAdd(scales, Vector512.ConvertToSingle(Int8Vector512.QuadSums(q, a)), acc);
        }
        return Int8Vector512.SumInAvx2Order(acc);
    }

    /// <summary>The block's 32 levels minus 8, low nibbles (elements 0–15) first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> Levels(BlockQ4_0* b)
    {
        var bits = Vector128.Load((byte*)&b->Qs);
        return Vector256.Create(Int8Vector128.Low(bits), Int8Vector128.High(bits)).AsSByte() - Vector256.Create((sbyte)8);
    }
}

/// <summary>Q5_0 row · Q8 activation with Vector512 (levels as <see cref="Q5_0DotVector128"/> builds them).</summary>
internal static unsafe class Q5_0DotVector512
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ5_0*)row;
        var y = (ActivationBlockQ8*)act;
        var acc = Vector512<float>.Zero;
        int i = 0;
        for (; i + 1 < blocks; i += 2)
        {
            var q = Vector512.Create(Levels(&x[i]), Levels(&x[i + 1]));
            var a = Vector512.Create(Vector256.Load((sbyte*)&y[i].Qs), Vector256.Load((sbyte*)&y[i + 1].Qs));
            var scales = Vector512.Create(Vector256.Create(HalfBits.ToFloat(x[i].D) * y[i].D), Vector256.Create(HalfBits.ToFloat(x[i + 1].D) * y[i + 1].D));
            acc = Vector512.FusedMultiplyAdd(scales, Vector512.ConvertToSingle(Int8Vector512.QuadSums(q, a)), acc);
        }
        if (i < blocks)
        {
            var q = Vector512.Create(Levels(&x[i]), Vector256<sbyte>.Zero);
            var a = Vector512.Create(Vector256.Load((sbyte*)&y[i].Qs), Vector256<sbyte>.Zero);
            var scales = Vector512.Create(Vector256.Create(HalfBits.ToFloat(x[i].D) * y[i].D), Vector256<float>.Zero);
            acc = Vector512.FusedMultiplyAdd(scales, Vector512.ConvertToSingle(Int8Vector512.QuadSums(q, a)), acc);
        }
        return Int8Vector512.SumInAvx2Order(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> Levels(BlockQ5_0* b)
    {
        Q5_0DotVector128.Levels(b, out var q0, out var q1);
        return Vector256.Create(q0, q1);
    }
}

/// <summary>Q8_0 row · Q8 activation with Vector512.</summary>
internal static unsafe class Q8_0DotVector512
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ8_0*)row;
        var y = (ActivationBlockQ8*)act;
        var acc = Vector512<float>.Zero;
        int i = 0;
        for (; i + 1 < blocks; i += 2)
        {
            var q = Vector512.Create(Vector256.Load((sbyte*)&x[i].Qs), Vector256.Load((sbyte*)&x[i + 1].Qs));
            var a = Vector512.Create(Vector256.Load((sbyte*)&y[i].Qs), Vector256.Load((sbyte*)&y[i + 1].Qs));
            var scales = Vector512.Create(Vector256.Create(HalfBits.ToFloat(x[i].D) * y[i].D), Vector256.Create(HalfBits.ToFloat(x[i + 1].D) * y[i + 1].D));
            acc = Vector512.FusedMultiplyAdd(scales, Vector512.ConvertToSingle(Int8Vector512.QuadSums(q, a)), acc);
        }
        if (i < blocks)
        {
            var q = Vector512.Create(Vector256.Load((sbyte*)&x[i].Qs), Vector256<sbyte>.Zero);
            var a = Vector512.Create(Vector256.Load((sbyte*)&y[i].Qs), Vector256<sbyte>.Zero);
            var scales = Vector512.Create(Vector256.Create(HalfBits.ToFloat(x[i].D) * y[i].D), Vector256<float>.Zero);
            acc = Vector512.FusedMultiplyAdd(scales, Vector512.ConvertToSingle(Int8Vector512.QuadSums(q, a)), acc);
        }
        return Int8Vector512.SumInAvx2Order(acc);
    }
}
