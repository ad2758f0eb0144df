using Takase.Engine.Tensors.Blocks;

namespace Takase.Engine.Tensors;

/// <summary>What one tensor element type is: its block shape and, for supported types, its kernels.</summary>
/// <param name="Type">The ggml type id.</param>
/// <param name="Name">The name ggml and llama.cpp print (e.g. "q4_K").</param>
/// <param name="BlockSize">Elements per block (1 for plain floats).</param>
/// <param name="BytesPerBlock">Bytes each block occupies in a file or in memory.</param>
public sealed record TensorTypeInfo(GgmlType Type, string Name, int BlockSize, int BytesPerBlock)
{
    /// <summary>Block bytes → floats; null where Takase only knows the type's size (it can skip, not compute).</summary>
    public DequantizeKernel? Dequantize { get; init; }

    /// <summary>Stored row · float vector; null where <see cref="Dequantize"/> is null.</summary>
    public DotKernel? Dot { get; init; }

    /// <summary>Floats → block bytes with ggml's reference algorithm; null where Takase has no quantizer for the type.</summary>
    public QuantizeKernel? Quantize { get; init; }

    /// <summary>Bytes that <paramref name="elements"/> consecutive elements occupy; they must fill whole blocks.</summary>
    public long RowBytes(long elements)
    {
        if (elements % BlockSize != 0)
            throw new ArgumentException($"{Name} stores elements in blocks of {BlockSize}; {elements} is not a multiple of it.");
        return elements / BlockSize * BytesPerBlock;
    }

    /// <summary>The dequantize kernel, or a clear error naming the type when Takase cannot compute with it.</summary>
    public DequantizeKernel RequireDequantize() =>
        Dequantize ?? throw new NotSupportedException($"tensor type {Name} can be read but not computed with yet: Takase has no kernels for it.");

    /// <summary>The dot kernel, or a clear error naming the type when Takase cannot compute with it.</summary>
    public DotKernel RequireDot() =>
        Dot ?? throw new NotSupportedException($"tensor type {Name} can be read but not computed with yet: Takase has no kernels for it.");

    /// <summary>The quantizer, or a clear error naming the type when Takase cannot write it.</summary>
    public QuantizeKernel RequireQuantize() =>
        Quantize ?? throw new NotSupportedException(
            $"Takase cannot quantize to {Name}; types it can write: {string.Join(", ", TensorTypes.All.Where(t => t.Quantize is not null).Select(t => t.Name))}.");
}

/// <summary>The one table of tensor type traits that drives reading, writing and kernels.</summary>
public static class TensorTypes
{
    // Adding a format: write its block struct and scalar kernels under Blocks/, then add one row here.
    private static readonly TensorTypeInfo[] Rows =
    [
        new(GgmlType.F32, "f32", 1, 4) { Dequantize = F32Scalar.Dequantize, Dot = F32Scalar.Dot, Quantize = F32Scalar.Quantize },
        new(GgmlType.F16, "f16", 1, 2) { Dequantize = F16Scalar.Dequantize, Dot = F16Scalar.Dot, Quantize = F16Scalar.Quantize },
        new(GgmlType.BF16, "bf16", 1, 2) { Dequantize = BF16Scalar.Dequantize, Dot = BF16Scalar.Dot, Quantize = BF16Scalar.Quantize },
        new(GgmlType.Q4_0, "q4_0", 32, 18) { Dequantize = Q4_0Scalar.Dequantize, Dot = Q4_0Scalar.Dot, Quantize = Q4_0Scalar.Quantize },
        new(GgmlType.Q4_1, "q4_1", 32, 20) { Dequantize = Q4_1Scalar.Dequantize, Dot = Q4_1Scalar.Dot, Quantize = Q4_1Scalar.Quantize },
        new(GgmlType.Q5_0, "q5_0", 32, 22) { Dequantize = Q5_0Scalar.Dequantize, Dot = Q5_0Scalar.Dot, Quantize = Q5_0Scalar.Quantize },
        new(GgmlType.Q5_1, "q5_1", 32, 24) { Dequantize = Q5_1Scalar.Dequantize, Dot = Q5_1Scalar.Dot, Quantize = Q5_1Scalar.Quantize },
        new(GgmlType.Q8_0, "q8_0", 32, 34) { Dequantize = Q8_0Scalar.Dequantize, Dot = Q8_0Scalar.Dot, Quantize = Q8_0Scalar.Quantize },
        new(GgmlType.Q8_1, "q8_1", 32, 36) { Dequantize = Q8_1Scalar.Dequantize, Dot = Q8_1Scalar.Dot, Quantize = Q8_1Scalar.Quantize },
        new(GgmlType.Q2_K, "q2_K", 256, 84) { Dequantize = Q2_KScalar.Dequantize, Dot = Q2_KScalar.Dot, Quantize = Q2_KScalar.Quantize },
        new(GgmlType.Q3_K, "q3_K", 256, 110) { Dequantize = Q3_KScalar.Dequantize, Dot = Q3_KScalar.Dot, Quantize = Q3_KScalar.Quantize },
        new(GgmlType.Q4_K, "q4_K", 256, 144) { Dequantize = Q4_KScalar.Dequantize, Dot = Q4_KScalar.Dot, Quantize = Q4_KScalar.Quantize },
        new(GgmlType.Q5_K, "q5_K", 256, 176) { Dequantize = Q5_KScalar.Dequantize, Dot = Q5_KScalar.Dot, Quantize = Q5_KScalar.Quantize },
        new(GgmlType.Q6_K, "q6_K", 256, 210) { Dequantize = Q6_KScalar.Dequantize, Dot = Q6_KScalar.Dot, Quantize = Q6_KScalar.Quantize },
        new(GgmlType.Q8_K, "q8_K", 256, 292) { Dequantize = Q8_KScalar.Dequantize, Dot = Q8_KScalar.Dot, Quantize = Q8_KScalar.Quantize },
        new(GgmlType.IQ4_NL, "iq4_nl", 32, 18) { Dequantize = IQ4_NLScalar.Dequantize, Dot = IQ4_NLScalar.Dot, Quantize = IQ4_NLScalar.Quantize },
        new(GgmlType.IQ4_XS, "iq4_xs", 256, 136) { Dequantize = IQ4_XSScalar.Dequantize, Dot = IQ4_XSScalar.Dot, Quantize = IQ4_XSScalar.Quantize },
        // Known sizes only: a file holding these can be opened and its other tensors used.
        new(GgmlType.I8, "i8", 1, 1),
        new(GgmlType.I16, "i16", 1, 2),
        new(GgmlType.I32, "i32", 1, 4),
        new(GgmlType.I64, "i64", 1, 8),
        new(GgmlType.F64, "f64", 1, 8),
    ];

    private static readonly Dictionary<GgmlType, TensorTypeInfo> Table = Rows.ToDictionary(t => t.Type);

    /// <summary>Every type whose layout Takase knows, in table order.</summary>
    public static IReadOnlyList<TensorTypeInfo> All { get; } = Array.AsReadOnly(Rows);

    /// <summary>The traits of <paramref name="type"/>, or null when Takase does not know its layout.</summary>
    public static TensorTypeInfo? Find(GgmlType type) => Table.GetValueOrDefault(type);

    /// <summary>The traits of <paramref name="type"/>; throws a clear error for types Takase cannot read.</summary>
    public static TensorTypeInfo Get(GgmlType type) =>
        Find(type) ?? throw new NotSupportedException(
            $"tensor type {(Enum.IsDefined(type) ? type.ToString() : $"id {(uint)type}")} is not supported; supported: {string.Join(", ", Table.Values.Select(t => t.Name))}.");
}
