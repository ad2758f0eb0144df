using Takase.Engine.Tensors;

namespace Takase.Engine.Conversion;

/// <summary>
/// A whole-file quantization as llama-quantize names it (Q4_K_M, Q8_0, F16, …): the <c>general.file_type</c> id it
/// writes, the tensor type most matrices get, and the mix rules of the recipe (see <see cref="QuantizationRecipe"/>).
/// </summary>
/// <param name="Name">The name llama-quantize prints and accepts (e.g. "Q4_K_M").</param>
/// <param name="FileType">llama.cpp's <c>llama_ftype</c> value, stored as <c>general.file_type</c>.</param>
/// <param name="BaseType">The tensor type of a matrix no special rule applies to.</param>
public sealed record QuantizationType(string Name, uint FileType, GgmlType BaseType)
{
    /// <summary>Every file type Takase can write, in llama-quantize's order.</summary>
    public static IReadOnlyList<QuantizationType> All { get; } =
    [
        new("Q4_0", 2, GgmlType.Q4_0),
        new("Q4_1", 3, GgmlType.Q4_1),
        new("Q5_0", 8, GgmlType.Q5_0),
        new("Q5_1", 9, GgmlType.Q5_1),
        new("Q2_K", 10, GgmlType.Q2_K),
        new("Q3_K_S", 11, GgmlType.Q3_K),
        new("Q3_K_M", 12, GgmlType.Q3_K),
        new("Q3_K_L", 13, GgmlType.Q3_K),
        new("Q4_K_S", 14, GgmlType.Q4_K),
        new("Q4_K_M", 15, GgmlType.Q4_K),
        new("Q5_K_S", 16, GgmlType.Q5_K),
        new("Q5_K_M", 17, GgmlType.Q5_K),
        new("Q6_K", 18, GgmlType.Q6_K),
        new("Q8_0", 7, GgmlType.Q8_0),
        new("F16", 1, GgmlType.F16),
        new("BF16", 32, GgmlType.BF16),
        new("F32", 0, GgmlType.F32),
    ];

    /// <summary>True when the base type is a block quantization (the mix rules and fallbacks apply), false for the
    /// plain float types, which only convert matrices.</summary>
    public bool IsQuantized => BaseType is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16);

    /// <summary>The type named <paramref name="name"/>, case-insensitively ("q4_K_M" as Ollama spells it works).</summary>
    /// <exception cref="ArgumentException">the name is not one of <see cref="All"/>; the message lists them.</exception>
    public static QuantizationType Parse(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException(
            $"unknown quantization type '{name}'; valid types: {string.Join(", ", All.Select(t => t.Name))}");

    /// <summary>The name of a <c>general.file_type</c> value, or null for values Takase does not write.</summary>
    public static string? FileTypeName(long fileType) => All.FirstOrDefault(t => t.FileType == fileType)?.Name;

    /// <inheritdoc />
    public override string ToString() => Name;
}
