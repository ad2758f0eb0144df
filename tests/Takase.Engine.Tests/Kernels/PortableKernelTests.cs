using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using Takase.Engine.Kernels.Batched;
using Takase.Engine.Kernels.Quantized;
using Takase.Engine.Models;
using Takase.Engine.Tensors;
using Takase.Engine.Tensors.Blocks;
using Takase.Engine.Tests.Tensors;

namespace Takase.Engine.Tests.Kernels;

/// <summary>
/// The portable row dots (cross-platform Vector128 and Vector512) against their twins. Both run on any CPU (Vector512
/// in software where it is not accelerated), so these tests run everywhere. The bounds are bit-exactness throughout:
/// <list type="bullet">
/// <item>Vector128, every type, and Vector512 for Q4_K/Q6_K: the scalar twin's float order is kept, so the result equals
/// the integer scalar reference bit for bit on any input.</item>
/// <item>Vector512 for Q4_0/Q5_0/Q8_0: the AVX2 kernel's float order is kept (that is what keeps the AVX2 tiles of
/// batched decode equal to it), so it equals the AVX2 kernel bit for bit; where AVX2 is absent that check skips, and
/// the integer parts are checked against the scalar twin with unit scales, where every float operation is exact.</item>
/// </list>
/// Inputs: random rows and activations with odd and even block counts, an all-zero activation block, and rows whose
/// every level is at an extreme of its range against activations at ±127 (Q8) or −128/127 (Q8_K).
/// </summary>
public sealed unsafe class PortableKernelTests
{
    public static TheoryData<GgmlType, int> Cases => new()
    {
        { GgmlType.Q4_0, 32 }, { GgmlType.Q4_0, 96 }, { GgmlType.Q4_0, 896 }, { GgmlType.Q4_0, 4896 },
        { GgmlType.Q5_0, 32 }, { GgmlType.Q5_0, 160 }, { GgmlType.Q5_0, 896 },
        { GgmlType.Q8_0, 32 }, { GgmlType.Q8_0, 224 }, { GgmlType.Q8_0, 4864 },
        { GgmlType.Q4_K, 256 }, { GgmlType.Q4_K, 768 }, { GgmlType.Q4_K, 2048 },
        { GgmlType.Q6_K, 256 }, { GgmlType.Q6_K, 1280 }, { GgmlType.Q6_K, 2048 },
    };

    public static TheoryData<GgmlType> Types => new(GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Vector128EqualsScalarBitForBit(GgmlType type, int n)
    {
        for (int seed = 0; seed < 4; seed++)
        {
            var (row, act) = RandomInputs(type, n, seed);
            AssertSameBits(Dot(KernelPath.Scalar, type, row, act, n), Dot(KernelPath.Vector128, type, row, act, n), $"{type} n={n} seed={seed}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Vector512EqualsItsTwinBitForBit(GgmlType type, int n)
    {
        var twin = IsKQuant(type) ? KernelPath.Scalar : KernelPath.Avx2;
        if (twin == KernelPath.Avx2 && !RowDots.UseAvx2)
            Assert.Skip($"{type}'s Vector512 twin is the AVX2 kernel, and this CPU has no AVX2 + FMA");
        for (int seed = 0; seed < 4; seed++)
        {
            var (row, act) = RandomInputs(type, n, seed);
            AssertSameBits(Dot(twin, type, row, act, n), Dot(KernelPath.Vector512, type, row, act, n), $"{type} n={n} seed={seed} against {twin}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PortablePathsEqualScalarExactlyWithUnitScales(GgmlType type, int n)
    {
        // Unit scales make every partial sum a small integer, so any float order gives the integer result exactly.
        var (row, act) = RandomInputs(type, n, seed: n);
        SetUnitScales(type, row);
        SetUnitActivationScales(type, act);
        float scalar = Dot(KernelPath.Scalar, type, row, act, n);
        Assert.Equal(scalar, Dot(KernelPath.Vector128, type, row, act, n));
        Assert.Equal(scalar, Dot(KernelPath.Vector512, type, row, act, n));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void PortablePathsEqualScalarAtExtremeLevels(GgmlType type)
    {
        int n = IsKQuant(type) ? 768 : 96; // three blocks: an odd count
        for (int seed = 0; seed < 4; seed++)
        {
            var row = ExtremeRow(type, n, seed);
            var act = ExtremeActivation(type, n, seed + 10);
            SetUnitScales(type, row);
            SetUnitActivationScales(type, act);
            float scalar = Dot(KernelPath.Scalar, type, row, act, n);
            Assert.NotEqual(0f, scalar); // the extremes must not cancel into a trivial case
            Assert.Equal(scalar, Dot(KernelPath.Vector128, type, row, act, n));
            Assert.Equal(scalar, Dot(KernelPath.Vector512, type, row, act, n));
            // The 32-element formats' sums stay below 2^24, exact in any float order, so AVX2 must agree too (Q4_K
            // super-block sums at these extremes pass 2^24, where only the same float order is exact).
            if (RowDots.UseAvx2 && !IsKQuant(type)) Assert.Equal(scalar, Dot(KernelPath.Avx2, type, row, act, n));
        }
    }

    [Fact]
    public void TheChosenPathFollowsTheHardware()
    {
        // AVX2 first (Vector512 measured slower on an AVX-512 machine), unless TAKASE_KERNELS forces a path.
        Assert.SkipWhen(Environment.GetEnvironmentVariable("TAKASE_KERNELS") is not null, "TAKASE_KERNELS forces the path");
        var expected = RowDots.UseAvx2 ? KernelPath.Avx2
            : Vector128.IsHardwareAccelerated ? KernelPath.Vector128 : KernelPath.Scalar;
        Assert.Equal(expected, RowDots.Path);
        foreach (var type in new[] { GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K })
        {
            Assert.Same(RowDots.For(type, expected), RowDots.For(type));
            Assert.Contains(expected.ToString().ToLowerInvariant(), RowDots.For(type)!.Name);
        }
    }

    /// <summary>Why Vector512 can replace AVX2 as the row dot (TAKASE_KERNELS=vector512): the AVX2 tiles of batched decode,
    /// which stay in use there, must still equal the row dot bit for bit (odd rows, odd block counts, 4-, 2- and
    /// 1-column groups).</summary>
    [Theory]
    [InlineData(GgmlType.Q4_0, 37, 224, 7)]
    [InlineData(GgmlType.Q5_0, 37, 320, 7)]
    [InlineData(GgmlType.Q8_0, 37, 224, 7)]
    public void Vector512EqualsTheAvx2TilesBitForBit(GgmlType type, int rows, int cols, int columns)
    {
        Assert.SkipUnless(TiledMatMul.Supports(type), "no AVX2 on this CPU: the tiles are not used");
        var data = TensorTestData.RandomRow(type, cols * rows, seed: rows);
        var x = TensorTestData.RandomVector(columns * cols, seed: cols);
        var tiled = new float[columns * rows];
        var kernel = RowDots.For(type, KernelPath.Vector512)!;
        var act = new byte[kernel.ActivationBytes(cols)];
        long rowBytes = TensorTypes.Get(type).RowBytes(cols);
        fixed (byte* pw = data)
        fixed (float* px = x)
        fixed (byte* pa = act)
        {
            TiledMatMul.MatMul(new Weight(pw, TensorTypes.Get(type), rows, cols, type.ToString()), x, columns, tiled);
            for (int c = 0; c < columns; c++)
            {
                kernel.Prepare(px + c * cols, cols, pa);
                for (int r = 0; r < rows; r++)
                    AssertSameBits(tiled[c * rows + r], kernel.Dot(pw + r * rowBytes, pa, cols / kernel.BlockSize), $"{type} row {r} column {c}");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(33)]
    [InlineData(896)]
    [InlineData(4867)]
    public void F16Vector128EqualsTheScalarDotWithinFloatRounding(int n)
    {
        // Only the order of float additions (and fused or separate multiply-adds) differs: the bound is 1e-5 of Σ|w·x|.
        var row = TensorTestData.RandomRow(GgmlType.F16, n, seed: n);
        var x = TensorTestData.RandomVector(n, seed: n + 1);
        var kernel = RowDots.For(GgmlType.F16, KernelPath.Vector128)!;
        float scalar = F16Scalar.Dot(row, x), vector;
        fixed (byte* pr = row)
        fixed (float* px = x)
            vector = kernel.Dot(pr, (byte*)px, n);
        var w = new float[n];
        F16Scalar.Dequantize(row, w);
        double absDot = 0;
        for (int i = 0; i < n; i++) absDot += Math.Abs((double)w[i] * x[i]);
        Assert.InRange(Math.Abs(vector - scalar), 0, 1e-5 * absDot + 1e-30);
    }

    [Fact]
    public void HalfBitsVector128ConvertsEveryHalfLikeTheLibrary()
    {
        for (uint h = 0; h < 65536; h += 4)
        {
            var v = HalfBitsVector128.ToFloat(Vector128.Create(h, h + 1, h + 2, h + 3));
            for (int j = 0; j < 4; j++)
                Assert.Equal(BitConverter.SingleToUInt32Bits(Fp16.ToFloat((ushort)(h + j))), BitConverter.SingleToUInt32Bits(v[j]));
        }
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(896)]
    [InlineData(4864)]
    public void Vector128ActivationQuantizerGivesTheScalarBytes(int n)
    {
        var x = TensorTestData.RandomVector(n, seed: n);
        x[0] = 1f;
        x[3] = 0.5f / 127 * 7; // x·127/amax = 3.5: a tie, rounded to even
        x[5] = -2.5f / 127;    // −2.5: a tie on the negative side
        x.AsSpan(32, Math.Min(32, n - 32)).Clear();
        var scalar = new byte[ActivationQ8.Q8Bytes(n)];
        var vector = new byte[ActivationQ8.Q8Bytes(n)];
        fixed (float* px = x)
        fixed (byte* ps = scalar)
        fixed (byte* pv = vector)
        {
            ActivationQ8.QuantizeQ8Scalar(px, n, (ActivationBlockQ8*)ps);
            ActivationQ8Vector128.Quantize(px, n, (ActivationBlockQ8*)pv);
        }
        Assert.Equal(scalar, vector);
    }

    private static bool IsKQuant(GgmlType type) => type is GgmlType.Q4_K or GgmlType.Q6_K;

    private static void AssertSameBits(float expected, float actual, string what) =>
        Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual),
            $"{what}: expected {expected:R}, got {actual:R}");

    /// <summary>A random row and the activation of a random vector in the format the type's kernels want; seed 1 zeroes
    /// the first activation block (scale 0).</summary>
    private static (byte[] Row, byte[] Act) RandomInputs(GgmlType type, int n, int seed)
    {
        var row = TensorTestData.RandomRow(type, n, seed);
        var x = TensorTestData.RandomVector(n, seed + 100);
        if (seed == 1) x.AsSpan(0, 32).Clear();
        var kernel = RowDots.ScalarFor(type)!;
        var act = new byte[kernel.ActivationBytes(n)];
        fixed (float* px = x)
        fixed (byte* pa = act)
            kernel.Prepare(px, n, pa);
        return (row, act);
    }

    /// <summary>Every level at the bottom or top of its range (chosen at random), scales at their extremes too.</summary>
    private static byte[] ExtremeRow(GgmlType type, int n, int seed)
    {
        var rng = new Random(seed);
        var row = new byte[TensorTypes.Get(type).RowBytes(n)];
        foreach (ref byte b in row.AsSpan()) b = rng.Next(2) == 0 ? (byte)0x00 : (byte)0xFF;
        if (type == GgmlType.Q8_0)
            foreach (ref byte b in row.AsSpan()) b = rng.Next(2) == 0 ? (byte)0x80 : (byte)0x7F; // −128 or 127
        int blockBytes = TensorTypes.Get(type).BytesPerBlock;
        for (int block = 0; block < row.Length / blockBytes; block++)
        {
            var b = row.AsSpan(block * blockBytes, blockBytes);
            if (type == GgmlType.Q4_K) b.Slice(4, 12).Fill(0xFF); // every scale and min 63
            if (type == GgmlType.Q6_K)
                for (int g = 0; g < 16; g++) b[192 + g] = rng.Next(2) == 0 ? (byte)0x80 : (byte)0x7F; // scale −128 or 127
        }
        return row;
    }

    /// <summary>Activation levels at ±127 (Q8, the quantizer's range) or −128/127 (Q8_K), with consistent Q8_K sums.</summary>
    private static byte[] ExtremeActivation(GgmlType type, int n, int seed)
    {
        var rng = new Random(seed);
        var kernel = RowDots.ScalarFor(type)!;
        var act = new byte[kernel.ActivationBytes(n)];
        if (kernel.Activation == ActivationFormat.Q8)
        {
            for (int block = 0; block < n / 32; block++)
                for (int j = 0; j < 32; j++)
                    act[block * sizeof(ActivationBlockQ8) + 4 + j] = (byte)(sbyte)(rng.Next(2) == 0 ? -127 : 127);
            return act;
        }
        for (int block = 0; block < n / 256; block++)
        {
            var b = act.AsSpan(block * sizeof(BlockQ8_K), sizeof(BlockQ8_K));
            for (int g = 0; g < 16; g++)
            {
                int sum = 0;
                for (int j = 0; j < 16; j++)
                {
                    sbyte level = rng.Next(2) == 0 ? (sbyte)-128 : (sbyte)127;
                    b[4 + 16 * g + j] = (byte)level;
                    sum += level;
                }
                BinaryPrimitives.WriteInt16LittleEndian(b[(4 + 256 + 2 * g)..], (short)sum);
            }
        }
        return act;
    }

    private static float Dot(KernelPath path, GgmlType type, byte[] row, byte[] act, int n)
    {
        var kernel = RowDots.For(type, path)!;
        fixed (byte* pr = row)
        fixed (byte* pa = act)
            return kernel.Dot(pr, pa, n / kernel.BlockSize);
    }

    private static void SetUnitScales(GgmlType type, byte[] row)
    {
        ushort one = Fp16.FromFloat(1f);
        int[] offsets = type switch
        {
            GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q8_0 => [0],
            GgmlType.Q4_K => [0, 2],
            GgmlType.Q6_K => [208],
            _ => throw new ArgumentException(type.ToString()),
        };
        int blockBytes = TensorTypes.Get(type).BytesPerBlock;
        for (int b = 0; b < row.Length / blockBytes; b++)
            foreach (var o in offsets) BinaryPrimitives.WriteUInt16LittleEndian(row.AsSpan(b * blockBytes + o), one);
    }

    private static void SetUnitActivationScales(GgmlType type, byte[] act)
    {
        int stride = IsKQuant(type) ? sizeof(BlockQ8_K) : sizeof(ActivationBlockQ8);
        for (int b = 0; b < act.Length / stride; b++) BinaryPrimitives.WriteSingleLittleEndian(act.AsSpan(b * stride), 1f);
    }
}
