using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace Takase.Engine.Conversion;

/// <summary>
/// A Hugging Face .safetensors file, memory-mapped: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw data. Only what conversion needs; checked like GGUF.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly long _dataStart;

    /// <summary>One tensor's entry in the header.</summary>
    public sealed record Entry(string Name, string DType, long[] Shape, long Begin, long End)
    {
        /// <summary>Elements in the tensor.</summary>
        public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    }

    /// <summary>Tensors by name.</summary>
    public IReadOnlyDictionary<string, Entry> Tensors { get; }

    /// <summary>Path of the file.</summary>
    public string Path { get; }

    /// <summary>Opens and validates a safetensors file.</summary>
    public SafetensorsFile(string path)
    {
        Path = path;
        // The file's own length, also through a symbolic link (Hugging Face's cache links snapshots to blobs).
        long length;
        using (var handle = File.OpenHandle(path)) length = RandomAccess.GetLength(handle);
        if (length < 8) throw new InvalidDataException($"{path}: too short for a safetensors file");
        _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset;
        try
        {
            var headerLength = *(ulong*)_base;
            if (headerLength > (ulong)(length - 8) || headerLength > 100_000_000)
                throw new InvalidDataException($"{path}: header length {headerLength} does not fit in the file");
            _dataStart = 8 + (long)headerLength;
            using var doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(new ReadOnlySpan<byte>(_base + 8, (int)headerLength).ToArray()));
            var tensors = new Dictionary<string, Entry>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__") continue;
                var dtype = prop.Value.GetProperty("dtype").GetString() ?? "";
                var shape = prop.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = prop.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > length - _dataStart)
                    throw new InvalidDataException($"{path}: tensor {prop.Name} has data offsets outside the file");
                var entry = new Entry(prop.Name, dtype, shape, offsets[0], offsets[1]);
                if (entry.ElementCount * ElementSize(dtype, path) != entry.End - entry.Begin)
                    throw new InvalidDataException($"{path}: tensor {prop.Name} ({dtype} {string.Join("x", shape)}) has {entry.End - entry.Begin} bytes");
                tensors[prop.Name] = entry;
            }
            Tensors = tensors;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Reads a tensor as float32 (F32, F16 and BF16 are converted exactly).</summary>
    public float[] ReadFloats(Entry e)
    {
        var n = checked((int)e.ElementCount);
        var src = _base + _dataStart + e.Begin;
        var result = new float[n];
        switch (e.DType)
        {
            case "F32": new ReadOnlySpan<float>(src, n).CopyTo(result); break;
            case "F16": for (var i = 0; i < n; i++) result[i] = (float)((Half*)src)[i]; break;
            case "BF16": for (var i = 0; i < n; i++) result[i] = BitConverter.Int32BitsToSingle(((ushort*)src)[i] << 16); break;
            default: throw new NotSupportedException($"{Path}: tensor {e.Name} has dtype {e.DType}; supported: F32, F16, BF16");
        }
        return result;
    }

    private static int ElementSize(string dtype, string path) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => throw new InvalidDataException($"{path}: unknown safetensors dtype {dtype}"),
    };

    /// <inheritdoc />
    public void Dispose()
    {
        if (_base != null) _view?.SafeMemoryMappedViewHandle.ReleasePointer();
        _view?.Dispose();
        _map?.Dispose();
    }
}
