using System.Buffers.Binary;
using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Tensors;
using Takase.Engine.Tensors.Blocks;
using Takase.Engine.Tests.Tensors;

namespace Takase.Engine.Tests.Kernels;

/// <summary>
/// Every SIMD row-dot strategy against its integer scalar twin, on random rows and activations of several lengths.
/// With unit scales every partial sum is a small integer, so the SIMD result must be exactly the scalar one; with random
/// scales only the order of float additions differs, so the tolerance is 1e-5 of Σ|w·a| (a few dozen float epsilons
/// of the largest possible partial sum).
/// </summary>
public sealed unsafe class RowDotTests
{
    public static TheoryData<GgmlType, int> QuantizedCases => new()
    {
        { GgmlType.Q4_0, 32 }, { GgmlType.Q4_0, 96 }, { GgmlType.Q4_0, 896 },
        { GgmlType.Q5_0, 32 }, { GgmlType.Q5_0, 160 }, { GgmlType.Q5_0, 896 },
        { GgmlType.Q8_0, 32 }, { GgmlType.Q8_0, 224 }, { GgmlType.Q8_0, 4864 },
        { GgmlType.Q4_K, 256 }, { GgmlType.Q4_K, 768 }, { GgmlType.Q4_K, 2048 },
        { GgmlType.Q6_K, 256 }, { GgmlType.Q6_K, 1280 }, { GgmlType.Q6_K, 2048 },
    };

    [Theory]
    [MemberData(nameof(QuantizedCases))]
    public void Avx2EqualsScalarExactlyWithUnitScales(GgmlType type, int n)
    {
        RequireAvx2();
        var row = TensorTestData.RandomRow(type, n, seed: n);
        SetUnitScales(type, row);
        var act = Activation(type, TensorTestData.RandomVector(n, seed: n + 1));
        SetUnitActivationScales(type, act);
        Assert.Equal(Dot(RowDots.ScalarFor(type)!, row, act, n), Dot(RowDots.For(type)!, row, act, n));
    }

    [Theory]
    [MemberData(nameof(QuantizedCases))]
    public void Avx2EqualsScalarWithinFloatRounding(GgmlType type, int n)
    {
        RequireAvx2();
        for (int seed = 0; seed < 5; seed++)
        {
            var row = TensorTestData.RandomRow(type, n, seed);
            var x = TensorTestData.RandomVector(n, seed + 100);
            if (seed == 1) x.AsSpan(0, 32).Clear(); // an all-zero block: scale 0
            var act = Activation(type, x);
            float simd = Dot(RowDots.For(type)!, row, act, n), scalar = Dot(RowDots.ScalarFor(type)!, row, act, n);
            Assert.InRange(Math.Abs(simd - scalar), 0, 1e-5 * AbsDot(type, row, x) + 1e-30);
        }
    }

    [Theory]
    [MemberData(nameof(QuantizedCases))]
    public void QuantizedActivationsStayCloseToTheFloatDot(GgmlType type, int n)
    {
        // 8-bit activations lose about 1/254 of each block's largest value: the bound is 1% of Σ|w·x|.
        var row = TensorTestData.RandomRow(type, n, seed: 7);
        var x = TensorTestData.RandomVector(n, seed: 8);
        float exact = TensorTypes.Get(type).RequireDot()(row, x);
        float quantized = Dot(RowDots.For(type) ?? RowDots.ScalarFor(type)!, row, Activation(type, x), n);
        Assert.InRange(Math.Abs(quantized - exact), 0, 0.01 * AbsDot(type, row, x));
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(896)]
    [InlineData(4864)]
    public void Avx2ActivationQuantizerGivesTheScalarBytes(int n)
    {
        RequireAvx2();
        var x = TensorTestData.RandomVector(n, seed: n);
        x[3] = 0.5f / 127 * 7; // a value near a rounding tie
        x.AsSpan(32, Math.Min(32, n - 32)).Clear();
        var a = new byte[ActivationQ8.Q8Bytes(n)];
        var b = new byte[ActivationQ8.Q8Bytes(n)];
        fixed (float* px = x)
        fixed (byte* pa = a)
        fixed (byte* pb = b)
        {
            ActivationQ8.QuantizeQ8Scalar(px, n, (ActivationBlockQ8*)pa);
            ActivationQ8.QuantizeQ8Avx2(px, n, (ActivationBlockQ8*)pb);
        }
        Assert.Equal(a, b);
    }

    [Fact]
    public void HalfBitsConvertEveryHalfLikeTheLibrary()
    {
        var all = new uint[65536];
        for (int h = 0; h < all.Length; h++)
        {
            all[h] = (uint)h;
            Assert.Equal(BitConverter.SingleToUInt32Bits(Fp16.ToFloat((ushort)h)), BitConverter.SingleToUInt32Bits(HalfBits.ToFloat((ushort)h)));
        }
        for (int h = 0; h < all.Length; h += 8)
        {
            var v = HalfBits.ToFloat(System.Runtime.Intrinsics.Vector256.Create(all.AsSpan(h, 8)));
            for (int j = 0; j < 8; j++)
                Assert.Equal(BitConverter.SingleToUInt32Bits(Fp16.ToFloat((ushort)(h + j))), BitConverter.SingleToUInt32Bits(v[j]));
        }
    }

    [Fact]
    public void HalfBitsFastWideningIsExactForEveryFiniteHalfAndFlagsTheRest()
    {
        RequireAvx2();
        var all = new short[65536];
        for (int h = 0; h < all.Length; h++) all[h] = (short)h;
        for (int h = 0; h < all.Length; h += 8)
        {
            var v = HalfBits.ToFloatFinite(System.Runtime.Intrinsics.Vector256.Create(all[h], all[h + 1], all[h + 2], all[h + 3],
                all[h + 4], all[h + 5], all[h + 6], all[h + 7]));
            for (int j = 0; j < 8; j++)
            {
                var half = (ushort)(h + j);
                bool special = (half & 0x7FFF) >= HalfBits.SpecialMagnitude;
                Assert.Equal(special, HalfBits.HasSpecial(HalfBits.MaxMagnitude(default, System.Runtime.Intrinsics.Vector256.Create(half))));
                if (!special) Assert.Equal(BitConverter.SingleToUInt32Bits(Fp16.ToFloat(half)), BitConverter.SingleToUInt32Bits(v[j]));
            }
        }
    }

    /// <summary>The fast widening and the exact one give the same bits, so the row dot's result does not depend on
    /// which ran; rows with subnormals, zeros of both signs, infinities and NaNs included.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void F16Avx2FastPathEqualsTheExactConversionBitForBit(int kind)
    {
        RequireAvx2();
        const int n = 333;
        var row = TensorTestData.RandomRow(GgmlType.F16, n, seed: 40 + kind);
        var x = TensorTestData.RandomVector(n, seed: 50 + kind);
        ushort[] planted = kind switch
        {
            1 => [0x0001, 0x8001, 0x03FF, 0x8000, 0x0000, 0x0400], // subnormals, ±0, the smallest normal
            2 => [0x7C00],                                         // +infinity
            3 => [0x7E01, 0xFC00],                                 // a NaN and −infinity
            _ => [],
        };
        for (int i = 0; i < planted.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(row.AsSpan(2 * (17 * i + 5)), planted[i]);
        x[5] = 0.5f; // +infinity times a positive input
        float fast, exact;
        fixed (byte* pr = row)
        fixed (float* px = x)
        {
            fast = F16DotAvx2.Dot(pr, px, n);
            exact = F16DotAvx2.DotExact(pr, px, n);
        }
        Assert.Equal(BitConverter.SingleToUInt32Bits(exact), BitConverter.SingleToUInt32Bits(fast));
        if (kind == 2) Assert.Equal(float.PositiveInfinity, fast);
        if (kind == 3) Assert.True(float.IsNaN(fast));
        if (kind == 1) Assert.InRange(Math.Abs(fast - F16Scalar.Dot(row, x)), 0, 1e-5 * AbsDot(GgmlType.F16, row, x) + 1e-30);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(33)]
    [InlineData(896)]
    [InlineData(4867)]
    public void F16Avx2EqualsTheScalarDotWithinFloatRounding(int n)
    {
        RequireAvx2();
        var row = TensorTestData.RandomRow(GgmlType.F16, n, seed: n);
        var x = TensorTestData.RandomVector(n, seed: n + 1);
        float scalar = F16Scalar.Dot(row, x), simd;
        fixed (byte* pr = row)
        fixed (float* px = x)
            simd = F16DotAvx2.Dot(pr, px, n);
        Assert.InRange(Math.Abs(simd - scalar), 0, 1e-5 * AbsDot(GgmlType.F16, row, x) + 1e-30);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(4867)]
    public void F32VectorDotEqualsTheTypeTablesDotWithinFloatRounding(int n)
    {
        var row = TensorTestData.RandomRow(GgmlType.F32, n, seed: n);
        var x = TensorTestData.RandomVector(n, seed: n + 1);
        var kernel = RowDots.For(GgmlType.F32)!;
        Assert.Equal(ActivationFormat.Float, kernel.Activation);
        float reference = TensorTypes.Get(GgmlType.F32).RequireDot()(row, x), vector;
        fixed (byte* pr = row)
        fixed (float* px = x)
            vector = kernel.Dot(pr, (byte*)px, n);
        Assert.InRange(Math.Abs(vector - reference), 0, 1e-5 * AbsDot(GgmlType.F32, row, x) + 1e-30);
    }

    private static void RequireAvx2()
    {
        if (!RowDots.UseAvx2) Assert.Skip("this CPU has no AVX2 + FMA; only the scalar kernels run here");
    }

    /// <summary>The activation in the format the type's kernel wants, from the production quantizer.</summary>
    private static byte[] Activation(GgmlType type, float[] x)
    {
        var kernel = RowDots.ScalarFor(type)!;
        var act = new byte[kernel.ActivationBytes(x.Length)];
        fixed (float* px = x)
        fixed (byte* pa = act)
            kernel.Prepare(px, x.Length, pa);
        return act;
    }

    private static float Dot(RowDot kernel, byte[] row, byte[] act, int n)
    {
        fixed (byte* pr = row)
        fixed (byte* pa = act)
            return kernel.Dot(pr, pa, n / kernel.BlockSize);
    }

    /// <summary>Σ|w·x| with the weights dequantized: the scale of the rounding error of any order of summation.</summary>
    private static double AbsDot(GgmlType type, byte[] row, float[] x)
    {
        var w = new float[x.Length];
        TensorTypes.Get(type).RequireDequantize()(row, w);
        double sum = 0;
        for (int i = 0; i < w.Length; i++) sum += Math.Abs((double)w[i] * x[i]);
        return sum;
    }

    private static void SetUnitScales(GgmlType type, byte[] row)
    {
        var info = TensorTypes.Get(type);
        ushort one = Fp16.FromFloat(1f);
        int[] offsets = type switch
        {
            GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q8_0 => [0],
            GgmlType.Q4_K => [0, 2],
            GgmlType.Q6_K => [208],
            _ => throw new ArgumentException(type.ToString()),
        };
        for (int b = 0; b < row.Length / info.BytesPerBlock; b++)
            foreach (var o in offsets) BinaryPrimitives.WriteUInt16LittleEndian(row.AsSpan(b * info.BytesPerBlock + o), one);
    }

    private static void SetUnitActivationScales(GgmlType type, byte[] act)
    {
        int stride = type is GgmlType.Q4_K or GgmlType.Q6_K ? sizeof(BlockQ8_K) : sizeof(ActivationBlockQ8);
        for (int b = 0; b < act.Length / stride; b++) BinaryPrimitives.WriteSingleLittleEndian(act.AsSpan(b * stride), 1f);
    }
}
