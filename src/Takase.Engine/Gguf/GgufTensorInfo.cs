using Takase.Engine.Tensors;

namespace Takase.Engine.Gguf;

/// <summary>One tensor of a GGUF file: its name, element type, shape (ne0 first, as ggml orders it) and where its
/// bytes lie relative to the start of the data section.</summary>
public sealed record GgufTensorInfo(string Name, GgmlType Type, long[] Shape, ulong Offset, long ByteSize)
{
    /// <summary>Product of the dimensions.</summary>
    public long ElementCount { get; } = Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Shape as ggml prints it, e.g. "[896, 151936]".</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
