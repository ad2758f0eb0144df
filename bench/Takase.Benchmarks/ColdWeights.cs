using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Takase.Engine.Models;
using Takase.Engine.Tensors;

namespace Takase.Benchmarks;

/// <summary>
/// Copies of one quantized weight matrix, handed out in turn so that each invocation reads its matrix from memory as
/// a decode step does (a 0.5B model is hundreds of MiB; one of its matrices, 1–30 MiB, would otherwise sit in the
/// 32 MiB L3 after the first invocation and the benchmark would measure the cache). The copies together are at least
/// <see cref="MinimumTotalBytes"/>, four times the L3.
/// </summary>
public sealed unsafe class ColdWeights
{
    /// <summary>Bytes all copies take at the least.</summary>
    public const long MinimumTotalBytes = 128L << 20;

    // Distinct rows quantized from random floats, then repeated: quantizing a whole Llama matrix to Q4_K takes
    // seconds, and the values do not change the kernels' speed.
    private const int DistinctRows = 64;

    private readonly byte[] _data;
    private readonly TensorTypeInfo _type;
    private readonly string _name;
    private int _next;

    /// <summary>Rows of the matrix.</summary>
    public int Rows { get; }
    /// <summary>Columns of the matrix (elements per row).</summary>
    public int Cols { get; }
    /// <summary>Bytes of one copy: what one matrix–vector product must read.</summary>
    public long BytesPerCopy { get; }
    /// <summary>Copies cycled through.</summary>
    public int Copies { get; }

    /// <summary>Bytes of a <paramref name="rows"/> × <paramref name="cols"/> matrix of <paramref name="type"/>.</summary>
    public static long Bytes(GgmlType type, int rows, int cols) => TensorTypes.Get(type).RowBytes(cols) * rows;

    public ColdWeights(GgmlType type, int rows, int cols)
    {
        _type = TensorTypes.Get(type);
        if (cols % _type.BlockSize != 0)
            throw new ArgumentException($"{_type.Name} needs rows of whole {_type.BlockSize}-element blocks; {cols} columns are not", nameof(cols));
        Rows = rows;
        Cols = cols;
        _name = $"{_type.Name} {rows}×{cols}";
        int rowBytes = (int)_type.RowBytes(cols);
        BytesPerCopy = (long)rowBytes * rows;
        Copies = (int)Math.Max(1, (MinimumTotalBytes + BytesPerCopy - 1) / BytesPerCopy);
        _data = GC.AllocateUninitializedArray<byte>(checked((int)(BytesPerCopy * Copies)), pinned: true);

        var rng = new Random(1);
        var floats = new float[cols];
        var distinct = new byte[rowBytes * DistinctRows];
        for (int r = 0; r < DistinctRows; r++)
        {
            for (int i = 0; i < cols; i++) floats[i] = (float)(rng.NextDouble() - 0.5) * 0.04f;
            _type.RequireQuantize()(floats, distinct.AsSpan(r * rowBytes, rowBytes));
        }
        for (long r = 0; r < (long)rows * Copies; r++)
            distinct.AsSpan((int)(r % DistinctRows) * rowBytes, rowBytes).CopyTo(_data.AsSpan(checked((int)(r * rowBytes)), rowBytes));
    }

    /// <summary>The next copy, as a weight over the pinned buffer (valid while this object lives).</summary>
    public Weight Next()
    {
        int copy = _next;
        _next = (copy + 1) % Copies;
        byte* start = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_data)) + copy * BytesPerCopy;
        return new Weight(start, _type, Rows, Cols, _name);
    }
}
