using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Quantized;

// The 32-element formats · Q8 activations with Vector128 (NEON on ARM64). Each block's integer sum is formed in vector
// lanes and reduced exactly; the float work is then the scalar twin's, in its order (sum += d_w·d_a·Σ), so these
// kernels equal Q4_0DotScalar, Q5_0DotScalar and Q8_0DotScalar bit for bit on every input.

/// <summary>Q4_0 row · Q8 activation with Vector128: levels q − 8 from the nibbles, Σ(q−8)·a per block.</summary>
internal static unsafe class Q4_0DotVector128
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ4_0*)row;
        var y = (ActivationBlockQ8*)act;
        var eight = Vector128.Create((sbyte)8);
        float sum = 0;
        for (int i = 0; i < blocks; i++)
        {
            var bits = Vector128.Load((byte*)&x[i].Qs);
            var a = (sbyte*)&y[i].Qs;
            var s = Int8Vector128.MulSum(Int8Vector128.Low(bits).AsSByte() - eight, Vector128.Load(a))
                + Int8Vector128.MulSum(Int8Vector128.High(bits).AsSByte() - eight, Vector128.Load(a + 16));
            sum += HalfBits.ToFloat(x[i].D) * y[i].D * Vector128.Sum(s);
        }
        return sum;
    }
}

/// <summary>Q5_0 row · Q8 activation with Vector128. Bit j of qh becomes byte j (0xFF when set); with the bit clear
/// q − 16 is the nibble minus 16, which as a signed byte is the nibble with its top four bits set.</summary>
internal static unsafe class Q5_0DotVector128
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ5_0*)row;
        var y = (ActivationBlockQ8*)act;
        float sum = 0;
        for (int i = 0; i < blocks; i++)
        {
            Levels(&x[i], out var q0, out var q1);
            var a = (sbyte*)&y[i].Qs;
            var s = Int8Vector128.MulSum(q0, Vector128.Load(a)) + Int8Vector128.MulSum(q1, Vector128.Load(a + 16));
            sum += HalfBits.ToFloat(x[i].D) * y[i].D * Vector128.Sum(s);
        }
        return sum;
    }

    /// <summary>The block's 32 levels minus 16 as signed bytes, elements 0–15 in <paramref name="q0"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Levels(BlockQ5_0* b, out Vector128<sbyte> q0, out Vector128<sbyte> q1)
    {
        var qh = Vector128.Create(Unsafe.ReadUnaligned<uint>(&b->Qh)).AsByte();
        var bits = Vector128.Load((byte*)&b->Qs);
        // Elements 0–15 take their fifth bits from qh bytes 0–1, elements 16–31 from bytes 2–3.
        q0 = WithFifthBits(Int8Vector128.Low(bits), Vector128.Shuffle(qh, Vector128.Create((byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1)));
        q1 = WithFifthBits(Int8Vector128.High(bits), Vector128.Shuffle(qh, Vector128.Create((byte)2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3)));
    }

    /// <summary>16 nibbles minus 16, element j's fifth bit being bit j % 8 of byte j of <paramref name="spread"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<sbyte> WithFifthBits(Vector128<byte> nibbles, Vector128<byte> spread)
    {
        var bit = Vector128.Create((byte)1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
        var set = Vector128.Equals(spread & bit, bit);
        return (nibbles | Vector128.AndNot(Vector128.Create((byte)0xF0), set)).AsSByte();
    }
}

/// <summary>Q8_0 row · Q8 activation with Vector128: Σq·a per block.</summary>
internal static unsafe class Q8_0DotVector128
{
    public static float Dot(byte* row, byte* act, int blocks)
    {
        var x = (BlockQ8_0*)row;
        var y = (ActivationBlockQ8*)act;
        float sum = 0;
        for (int i = 0; i < blocks; i++)
        {
            var q = (sbyte*)&x[i].Qs;
            var a = (sbyte*)&y[i].Qs;
            var s = Int8Vector128.MulSum(Vector128.Load(q), Vector128.Load(a))
                + Int8Vector128.MulSum(Vector128.Load(q + 16), Vector128.Load(a + 16));
            sum += HalfBits.ToFloat(x[i].D) * y[i].D * Vector128.Sum(s);
        }
        return sum;
    }
}
