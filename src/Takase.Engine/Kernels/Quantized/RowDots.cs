using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Takase.Engine.Tensors;
using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Kernels.Quantized;

/// <summary>What a row-dot kernel wants the activation vector turned into before it runs.</summary>
internal enum ActivationFormat
{
    /// <summary>Plain floats (F16/F32 weights, and types without an integer kernel).</summary>
    Float,
    /// <summary><see cref="ActivationBlockQ8"/>: 32 levels and a float scale (Q4_0, Q5_0, Q8_0 weights).</summary>
    Q8,
    /// <summary>ggml's block_q8_K (K-quant weights).</summary>
    Q8K,
}

/// <summary>
/// One row-dot strategy: stored row · prepared activation. <see cref="Dot"/> takes (row, activation, count) where count
/// is the row's blocks for quantized activations and its elements for float ones.
/// </summary>
internal sealed unsafe class RowDot(string name, ActivationFormat activation, delegate*<byte*, byte*, int, float> dot, int blockSize)
{
    /// <summary>Names the weight type and instruction set, for tests and benchmarks.</summary>
    public string Name { get; } = name;
    public ActivationFormat Activation { get; } = activation;
    public delegate*<byte*, byte*, int, float> Dot { get; } = dot;
    /// <summary>Elements per count unit of <see cref="Dot"/>.</summary>
    public int BlockSize { get; } = blockSize;

    /// <summary>Bytes of the prepared activation of <paramref name="n"/> floats.</summary>
    public int ActivationBytes(int n) => Activation switch
    {
        ActivationFormat.Q8 => ActivationQ8.Q8Bytes(n),
        ActivationFormat.Q8K => ActivationQ8.Q8KBytes(n),
        _ => n * sizeof(float),
    };

    /// <summary>Turns <paramref name="n"/> floats into this kernel's activation format.</summary>
    public void Prepare(float* x, int n, byte* dst)
    {
        switch (Activation)
        {
            case ActivationFormat.Q8: ActivationQ8.QuantizeQ8(x, n, (ActivationBlockQ8*)dst); break;
            case ActivationFormat.Q8K: ActivationQ8.QuantizeQ8K(x, n, (BlockQ8_K*)dst); break;
            default: Buffer.MemoryCopy(x, dst, (long)n * sizeof(float), (long)n * sizeof(float)); break;
        }
    }
}

/// <summary>An instruction-set family the row dots are written for; <see cref="RowDots.For(GgmlType, KernelPath)"/>
/// gives each one's table, so tests can hold every strategy against its twin on any machine.</summary>
internal enum KernelPath
{
    /// <summary>The integer scalar references.</summary>
    Scalar,
    /// <summary>Cross-platform <see cref="System.Runtime.Intrinsics.Vector128"/> (NEON on ARM64; SSE on x64). Runs
    /// anywhere; the integer kernels equal the scalar twins bit for bit, F16 within float rounding.</summary>
    Vector128,
    /// <summary>AVX2 + FMA intrinsics. Runs only where <see cref="RowDots.UseAvx2"/>.</summary>
    Avx2,
    /// <summary>Cross-platform <see cref="System.Runtime.Intrinsics.Vector512"/> (AVX-512; software elsewhere, slow but
    /// correct). Q4_0, Q5_0 and Q8_0 equal the AVX2 kernels bit for bit, Q4_K and Q6_K the scalar ones; F16 is AVX2's
    /// where AVX2 runs and the scalar type table's otherwise.</summary>
    Vector512,
}

/// <summary>
/// Picks the row-dot kernel for a weight type from the CPU's instruction sets, like Sep's parser factory:
/// Vector512 where it is hardware-accelerated and AVX2 + FMA is present, AVX2 where only that is, Vector128 where
/// 128-bit vectors are accelerated but AVX2 is not (ARM64 NEON, old x64), the integer scalar twins elsewhere. Types with
/// no kernel here return null and run through the float <see cref="TensorTypeInfo.Dot"/> of the type table.
/// </summary>
internal static unsafe class RowDots
{
    public static bool UseAvx2 { get; } = Avx2.IsSupported && Fma.IsSupported;

    /// <summary>
    /// The path <see cref="For(GgmlType)"/> uses on this CPU: AVX2 wherever it runs, then Vector128 (ARM64 NEON), then
    /// scalar. Vector512 is not picked by itself: on an AVX-512 machine (Zen 5, where this was measured) the portable
    /// Vector512 kernels took 1.5–1.8× the time of the AVX2 ones per row — the portable API has no vpmaddubsw, so they
    /// spend more instructions per byte. TAKASE_KERNELS=vector512 (or avx2, vector128, scalar) forces a path, to
    /// measure it on other hardware; a path this CPU cannot run falls back to the default.
    /// </summary>
    public static KernelPath Path { get; } = Choose(Environment.GetEnvironmentVariable("TAKASE_KERNELS"));

    private static KernelPath Choose(string? forced)
    {
        var best = UseAvx2 ? KernelPath.Avx2 : Vector128.IsHardwareAccelerated ? KernelPath.Vector128 : KernelPath.Scalar;
        if (!Enum.TryParse<KernelPath>(forced, ignoreCase: true, out var path)) return best;
        // Vector512 keeps AVX2's F16 kernel and float order, so it needs AVX2 too; the others run anywhere.
        return path is KernelPath.Avx2 or KernelPath.Vector512 && !UseAvx2 ? best : path;
    }

    private static readonly RowDot?[][] Tables = [Build(KernelPath.Scalar), Build(KernelPath.Vector128), Build(KernelPath.Avx2), Build(KernelPath.Vector512)];

    /// <summary>The fastest kernel for <paramref name="type"/>, or null.</summary>
    public static RowDot? For(GgmlType type) => For(type, Path);

    /// <summary>The integer scalar reference for <paramref name="type"/>, or null.</summary>
    public static RowDot? ScalarFor(GgmlType type) => For(type, KernelPath.Scalar);

    /// <summary>The kernel of <paramref name="path"/> for <paramref name="type"/>, or null: for tests and benchmarks
    /// (an <see cref="KernelPath.Avx2"/> kernel must only be called where <see cref="UseAvx2"/>).</summary>
    public static RowDot? For(GgmlType type, KernelPath path)
    {
        var table = Tables[(int)path];
        return (uint)type < (uint)table.Length ? table[(int)type] : null;
    }

    private static RowDot?[] Build(KernelPath path)
    {
        var table = new RowDot?[(int)GgmlType.BF16 + 1];
        switch (path)
        {
            case KernelPath.Avx2:
                table[(int)GgmlType.Q4_0] = new("q4_0·q8 avx2", ActivationFormat.Q8, &Q4_0DotAvx2.Dot, 32);
                table[(int)GgmlType.Q5_0] = new("q5_0·q8 avx2", ActivationFormat.Q8, &Q5_0DotAvx2.Dot, 32);
                table[(int)GgmlType.Q8_0] = new("q8_0·q8 avx2", ActivationFormat.Q8, &Q8_0DotAvx2.Dot, 32);
                table[(int)GgmlType.Q4_K] = new("q4_K·q8_K avx2", ActivationFormat.Q8K, &Q4_KDotAvx2.Dot, 256);
                table[(int)GgmlType.Q6_K] = new("q6_K·q8_K avx2", ActivationFormat.Q8K, &Q6_KDotAvx2.Dot, 256);
                table[(int)GgmlType.F16] = new("f16·f32 avx2", ActivationFormat.Float, &F16Avx2, 1);
                break;
            case KernelPath.Vector512:
                table[(int)GgmlType.Q4_0] = new("q4_0·q8 vector512", ActivationFormat.Q8, &Q4_0DotVector512.Dot, 32);
                table[(int)GgmlType.Q5_0] = new("q5_0·q8 vector512", ActivationFormat.Q8, &Q5_0DotVector512.Dot, 32);
                table[(int)GgmlType.Q8_0] = new("q8_0·q8 vector512", ActivationFormat.Q8, &Q8_0DotVector512.Dot, 32);
                table[(int)GgmlType.Q4_K] = new("q4_K·q8_K vector512", ActivationFormat.Q8K, &Q4_KDotVector512.Dot, 256);
                table[(int)GgmlType.Q6_K] = new("q6_K·q8_K vector512", ActivationFormat.Q8K, &Q6_KDotVector512.Dot, 256);
                if (UseAvx2) table[(int)GgmlType.F16] = new("f16·f32 avx2", ActivationFormat.Float, &F16Avx2, 1);
                break;
            case KernelPath.Vector128:
                table[(int)GgmlType.Q4_0] = new("q4_0·q8 vector128", ActivationFormat.Q8, &Q4_0DotVector128.Dot, 32);
                table[(int)GgmlType.Q5_0] = new("q5_0·q8 vector128", ActivationFormat.Q8, &Q5_0DotVector128.Dot, 32);
                table[(int)GgmlType.Q8_0] = new("q8_0·q8 vector128", ActivationFormat.Q8, &Q8_0DotVector128.Dot, 32);
                table[(int)GgmlType.Q4_K] = new("q4_K·q8_K vector128", ActivationFormat.Q8K, &Q4_KDotVector128.Dot, 256);
                table[(int)GgmlType.Q6_K] = new("q6_K·q8_K vector128", ActivationFormat.Q8K, &Q6_KDotVector128.Dot, 256);
                table[(int)GgmlType.F16] = new("f16·f32 vector128", ActivationFormat.Float, &F16Vector128, 1);
                break;
            default:
                table[(int)GgmlType.Q4_0] = new("q4_0·q8 scalar", ActivationFormat.Q8, &Q4_0DotScalar.Dot, 32);
                table[(int)GgmlType.Q5_0] = new("q5_0·q8 scalar", ActivationFormat.Q8, &Q5_0DotScalar.Dot, 32);
                table[(int)GgmlType.Q8_0] = new("q8_0·q8 scalar", ActivationFormat.Q8, &Q8_0DotScalar.Dot, 32);
                table[(int)GgmlType.Q4_K] = new("q4_K·q8_K scalar", ActivationFormat.Q8K, &Q4_KDotScalar.Dot, 256);
                table[(int)GgmlType.Q6_K] = new("q6_K·q8_K scalar", ActivationFormat.Q8K, &Q6_KDotScalar.Dot, 256);
                break;
        }
        // F32 weights (small models such as stories260K, embedding and routing models stored unquantized): the
        // vectorised dot of TensorPrimitives on any CPU, in place of the type table's element-by-element loop.
        table[(int)GgmlType.F32] = new("f32·f32 vector", ActivationFormat.Float, &F32Vector, 1);
        return table;
    }

    private static float F16Avx2(byte* row, byte* x, int n) => F16DotAvx2.Dot(row, (float*)x, n);

    private static float F16Vector128(byte* row, byte* x, int n) => F16DotVector128.Dot(row, (float*)x, n);

    internal static float F32Vector(byte* row, byte* x, int n) =>
        System.Numerics.Tensors.TensorPrimitives.Dot(new ReadOnlySpan<float>(row, n), new ReadOnlySpan<float>(x, n));
}
