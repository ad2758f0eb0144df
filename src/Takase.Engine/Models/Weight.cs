using Takase.Engine.Gguf;
using Takase.Engine.Tensors;

namespace Takase.Engine.Models;

/// <summary>A weight matrix (or vector) in its stored type, over the memory-mapped file: never copied.</summary>
public readonly unsafe struct Weight
{
    private readonly byte* _data;

    /// <summary>Element type and its kernels.</summary>
    public TensorTypeInfo Type { get; }
    /// <summary>Rows (ne1; 1 for vectors).</summary>
    public int Rows { get; }
    /// <summary>Columns (ne0): the length of each row.</summary>
    public int Cols { get; }
    /// <summary>Bytes per row.</summary>
    public int RowBytes { get; }
    /// <summary>Name in the file, for messages.</summary>
    public string Name { get; }

    /// <summary>Wraps a tensor of <paramref name="file"/>; checks it has the expected shape.</summary>
    public Weight(GgufFile file, GgufTensorInfo tensor, int cols, int rows)
    {
        var shapeRows = tensor.Shape.Length > 1 ? tensor.Shape[1] : 1;
        if (tensor.Shape[0] != cols || shapeRows != rows || tensor.Shape.Skip(2).Any(d => d != 1))
            throw new GgufFormatException($"{file.Path}: tensor '{tensor.Name}' has shape {tensor.ShapeText}; expected [{cols}, {rows}]");
        _data = file.TensorPointer(tensor);
        Type = TensorTypes.Get(tensor.Type);
        Rows = rows;
        Cols = cols;
        RowBytes = (int)Type.RowBytes(cols);
        Name = tensor.Name;
    }

    /// <summary>Wraps <paramref name="rows"/> rows of <paramref name="cols"/> elements at <paramref name="data"/>, which
    /// must stay valid (pinned or native) while the weight is used: for kernel tests and benchmarks.</summary>
    internal Weight(byte* data, TensorTypeInfo type, int rows, int cols, string name)
    {
        _data = data;
        Type = type;
        Rows = rows;
        Cols = cols;
        RowBytes = (int)type.RowBytes(cols);
        Name = name;
    }

    /// <summary>The first byte of the weight (mapped memory, valid while the file is open).</summary>
    internal byte* Pointer => _data;

    /// <summary>All bytes of the weight.</summary>
    public ReadOnlySpan<byte> Bytes => new(_data, checked(RowBytes * Rows));

    /// <summary>The bytes of one row.</summary>
    public ReadOnlySpan<byte> Row(int row) => new(_data + (long)row * RowBytes, RowBytes);
}
