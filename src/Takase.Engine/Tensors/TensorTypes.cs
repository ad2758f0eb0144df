namespace Takase.Engine.Tensors;

/// <summary>What one tensor element type is: its block shape and, for supported types, its kernels.</summary>
/// <param name="Type">The ggml type id.</param>
/// <param name="Name">The name ggml and llama.cpp print (e.g. "q4_K").</param>
/// <param name="BlockSize">Elements per block (1 for plain floats).</param>
/// <param name="BytesPerBlock">Bytes each block occupies in a file or in memory.</param>
public sealed record TensorTypeInfo(GgmlType Type, string Name, int BlockSize, int BytesPerBlock)
{
    /// <summary>Bytes that <paramref name="elements"/> consecutive elements occupy; they must fill whole blocks.</summary>
    public long RowBytes(long elements)
    {
        if (elements % BlockSize != 0)
            throw new ArgumentException($"{Name} stores elements in blocks of {BlockSize}; {elements} is not a multiple of it.");
        return elements / BlockSize * BytesPerBlock;
    }
}

/// <summary>The one table of tensor type traits that drives reading, writing and kernels.</summary>
public static class TensorTypes
{
    private static readonly Dictionary<GgmlType, TensorTypeInfo> Table = new TensorTypeInfo[]
    {
        new(GgmlType.F32, "f32", 1, 4),
        new(GgmlType.F16, "f16", 1, 2),
        new(GgmlType.BF16, "bf16", 1, 2),
        new(GgmlType.Q4_0, "q4_0", 32, 18),
        new(GgmlType.Q4_1, "q4_1", 32, 20),
        new(GgmlType.Q5_0, "q5_0", 32, 22),
        new(GgmlType.Q5_1, "q5_1", 32, 24),
        new(GgmlType.Q8_0, "q8_0", 32, 34),
        new(GgmlType.Q8_1, "q8_1", 32, 36),
        new(GgmlType.Q2_K, "q2_K", 256, 84),
        new(GgmlType.Q3_K, "q3_K", 256, 110),
        new(GgmlType.Q4_K, "q4_K", 256, 144),
        new(GgmlType.Q5_K, "q5_K", 256, 176),
        new(GgmlType.Q6_K, "q6_K", 256, 210),
        new(GgmlType.Q8_K, "q8_K", 256, 292),
        new(GgmlType.IQ4_NL, "iq4_nl", 32, 18),
        new(GgmlType.IQ4_XS, "iq4_xs", 256, 136),
        new(GgmlType.I8, "i8", 1, 1),
        new(GgmlType.I16, "i16", 1, 2),
        new(GgmlType.I32, "i32", 1, 4),
        new(GgmlType.I64, "i64", 1, 8),
        new(GgmlType.F64, "f64", 1, 8),
    }.ToDictionary(t => t.Type);

    /// <summary>The traits of <paramref name="type"/>, or null when Takase does not know its layout.</summary>
    public static TensorTypeInfo? Find(GgmlType type) => Table.GetValueOrDefault(type);

    /// <summary>The traits of <paramref name="type"/>; throws a clear error for types Takase cannot read.</summary>
    public static TensorTypeInfo Get(GgmlType type) =>
        Find(type) ?? throw new NotSupportedException(
            $"tensor type {(Enum.IsDefined(type) ? type.ToString() : $"id {(uint)type}")} is not supported; supported: {string.Join(", ", Table.Values.Select(t => t.Name))}.");
}
