using System.IO.MemoryMappedFiles;
using System.Text;
using Takase.Engine.Tensors;

namespace Takase.Engine.Gguf;

/// <summary>
/// A GGUF v2/v3 file mapped read-only into memory. Metadata is parsed once at open; tensor data is never copied:
/// <see cref="TensorBytes"/> returns spans over the mapping. Every count, length and offset is checked against the
/// file size before use, so a corrupt or hostile file yields a <see cref="GgufFormatException"/>, never a crash or a
/// giant allocation.
/// </summary>
public sealed unsafe partial class GgufFile : IDisposable
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;
    /// <summary>Alignment of the data section when general.alignment is absent.</summary>
    public const int DefaultAlignment = 32;
    /// <summary>ggml supports at most four dimensions.</summary>
    public const int MaxDims = 4;

    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly long _length;
    private readonly Dictionary<string, GgufTensorInfo> _tensorsByName = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Path the file was opened from.</summary>
    public string Path { get; }
    /// <summary>GGUF version (2 or 3).</summary>
    public uint Version { get; }
    /// <summary>Metadata in file order.</summary>
    public IReadOnlyDictionary<string, GgufValue> Metadata { get; }
    /// <summary>Metadata keys in the order they appear in the file.</summary>
    public IReadOnlyList<string> MetadataKeys { get; }
    /// <summary>Tensors in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }
    /// <summary>Alignment of tensor data.</summary>
    public int Alignment { get; }
    /// <summary>Absolute file offset where the data section begins.</summary>
    public long DataOffset { get; }
    /// <summary>Size of the file in bytes.</summary>
    public long FileSize => _length;

    private GgufFile(string path)
    {
        Path = path;
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"GGUF file not found: {path}", path);
        // A symbolic link's own FileInfo reports the link's length; the mapping covers the file it points at.
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target) info = target;
        if (!info.Exists) throw new FileNotFoundException($"GGUF file not found: {path} is a link to {info.FullName}, which does not exist", path);
        _length = info.Length;
        if (_length < 24) throw Bad($"is {_length} bytes long, too short for a GGUF header (24 bytes)");
        try
        {
            _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _base = p + _view.PointerOffset;
            var parsed = Parse();
            Version = parsed.Version;
            Metadata = parsed.Metadata;
            MetadataKeys = parsed.Keys;
            Tensors = parsed.Tensors;
            Alignment = parsed.Alignment;
            DataOffset = parsed.DataOffset;
            foreach (var t in parsed.Tensors) _tensorsByName[t.Name] = t;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Opens and validates a GGUF file.</summary>
    /// <exception cref="GgufFormatException">the file is not a valid GGUF file; the message says why.</exception>
    public static GgufFile Open(string path) => new(path);

    /// <summary>The tensor named <paramref name="name"/>, or null.</summary>
    public GgufTensorInfo? FindTensor(string name) => _tensorsByName.GetValueOrDefault(name);

    /// <summary>The tensor named <paramref name="name"/>; a clear error when the file lacks it.</summary>
    public GgufTensorInfo GetTensor(string name) => FindTensor(name)
        ?? throw new GgufFormatException($"{Path}: tensor '{name}' is missing");

    /// <summary>The raw bytes of a tensor, over the mapping (no copy).</summary>
    public ReadOnlySpan<byte> TensorBytes(GgufTensorInfo tensor)
    {
        if (tensor.ByteSize > int.MaxValue)
            throw new NotSupportedException($"tensor {tensor.Name} is {tensor.ByteSize} bytes; use TensorPointer for tensors over 2 GiB");
        return new ReadOnlySpan<byte>(TensorPointer(tensor), (int)tensor.ByteSize);
    }

    /// <summary>Pointer to a tensor's first byte; valid while this file is open.</summary>
    public byte* TensorPointer(GgufTensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _base + DataOffset + (long)tensor.Offset;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_view is not null)
        {
            if (_base != null) _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }

    private GgufFormatException Bad(string what) => new($"{Path}: not a valid GGUF file: {what}");

    private sealed record ParseResult(uint Version, Dictionary<string, GgufValue> Metadata, List<string> Keys,
        List<GgufTensorInfo> Tensors, int Alignment, long DataOffset);

    private ParseResult Parse()
    {
        var r = new Reader(_base, _length, this);
        var magic = r.U32();
        if (magic != Magic)
        {
            var shown = Encoding.ASCII.GetString(new ReadOnlySpan<byte>(_base, 4)).Replace('\0', '.');
            throw Bad($"wrong magic '{shown}' (0x{magic:x8}); expected 'GGUF'");
        }
        var version = r.U32();
        if (version is 1) throw Bad("GGUF version 1 is obsolete; convert the file again with a current tool");
        if (version is not (2 or 3))
        {
            var swapped = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(version);
            if (swapped is 2 or 3) throw Bad("the file is big-endian; only little-endian GGUF files are supported");
            throw Bad($"unsupported version {version}; supported: 2, 3");
        }
        var tensorCount = r.U64();
        var kvCount = r.U64();
        // Each metadata entry needs at least 8 (key length) + 4 (type) + 1 byte; each tensor info at least 8+4+8+4+8.
        if (kvCount > (ulong)(_length / 13)) throw Bad($"metadata count {kvCount} cannot fit in {_length} bytes");
        if (tensorCount > (ulong)(_length / 32)) throw Bad($"tensor count {tensorCount} cannot fit in {_length} bytes");

        var metadata = new Dictionary<string, GgufValue>((int)kvCount, StringComparer.Ordinal);
        var keys = new List<string>((int)kvCount);
        for (ulong i = 0; i < kvCount; i++)
        {
            var key = r.String("metadata key");
            var type = (GgufValueType)r.U32();
            var value = r.Value(type, key, depth: 0);
            if (!metadata.TryAdd(key, value)) throw Bad($"metadata key '{key}' appears twice");
            keys.Add(key);
        }

        var alignment = DefaultAlignment;
        if (metadata.TryGetValue("general.alignment", out var alignValue))
        {
            if (alignValue.Type != GgufValueType.UInt32) throw Bad($"general.alignment has type {alignValue.Type}; expected uint32");
            var a = (uint)alignValue.Value;
            if (a == 0 || (a & (a - 1)) != 0 || a > 1 << 20) throw Bad($"general.alignment {a} is not a power of two up to 1 MiB");
            alignment = (int)a;
        }

        var tensors = new List<GgufTensorInfo>((int)tensorCount);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (ulong i = 0; i < tensorCount; i++)
        {
            var name = r.String("tensor name");
            if (!names.Add(name)) throw Bad($"tensor '{name}' appears twice");
            var nDims = r.U32();
            if (nDims is 0 or > MaxDims) throw Bad($"tensor '{name}' has {nDims} dimensions; expected 1 to {MaxDims}");
            var shape = new long[nDims];
            long elements = 1;
            for (var d = 0; d < nDims; d++)
            {
                var dim = r.U64();
                if (dim == 0 || dim > (ulong)_length * 8) throw Bad($"tensor '{name}' dimension {d} is {dim}");
                shape[d] = (long)dim;
                elements = checked(elements * (long)dim);
                if (elements > _length * 8) throw Bad($"tensor '{name}' has more elements than the file can hold");
            }
            var rawType = r.U32();
            var type = (GgmlType)rawType;
            var traits = TensorTypes.Find(type)
                ?? throw Bad($"tensor '{name}' has tensor type {(Enum.IsDefined(type) ? type.ToString() : "id " + rawType)}, which Takase cannot read");
            if (shape[0] % traits.BlockSize != 0)
                throw Bad($"tensor '{name}' row length {shape[0]} is not a multiple of the {traits.Name} block size {traits.BlockSize}");
            var offset = r.U64();
            if (offset % (ulong)alignment != 0) throw Bad($"tensor '{name}' data offset {offset} is not aligned to {alignment}");
            var bytes = elements / traits.BlockSize * traits.BytesPerBlock;
            tensors.Add(new GgufTensorInfo(name, type, shape, offset, bytes));
        }

        var dataOffset = (r.Position + alignment - 1) / alignment * alignment;
        if (tensorCount > 0 && dataOffset > _length) throw Bad($"data section would start at {dataOffset}, past the end of the file ({_length} bytes)");
        var dataSize = _length - dataOffset;
        foreach (var t in tensors)
        {
            if (t.Offset > (ulong)dataSize || (ulong)t.ByteSize > (ulong)dataSize - t.Offset)
                throw Bad($"tensor '{t.Name}' data [{t.Offset}, {t.Offset + (ulong)t.ByteSize}) lies outside the data section of {dataSize} bytes (the file may be truncated)");
        }
        return new ParseResult(version, metadata, keys, tensors, alignment, dataOffset);
    }

    /// <summary>Bounds-checked little-endian cursor over the mapping.</summary>
    private ref struct Reader(byte* basePtr, long length, GgufFile file)
    {
        private const int MaxDepth = 8;
        public long Position;

        private byte* Take(long n, string what)
        {
            if (n < 0 || n > length - Position)
                throw file.Bad($"unexpected end of file reading {what} at offset {Position} (needs {n} bytes, {length - Position} left); the file is truncated or corrupt");
            var p = basePtr + Position;
            Position += n;
            return p;
        }

        public uint U32() => *(uint*)Take(4, "a 32-bit integer");
        public ulong U64() => *(ulong*)Take(8, "a 64-bit integer");

        public string String(string what)
        {
            var len = U64();
            if (len > (ulong)(length - Position))
                throw file.Bad($"{what} at offset {Position - 8} claims {len} bytes, more than the {length - Position} left");
            var p = Take((long)len, what);
            return Encoding.UTF8.GetString(p, (int)len);
        }

        public GgufValue Value(GgufValueType type, string key, int depth) => type switch
        {
            GgufValueType.UInt8 => new(type, *Take(1, key)),
            GgufValueType.Int8 => new(type, *(sbyte*)Take(1, key)),
            GgufValueType.UInt16 => new(type, *(ushort*)Take(2, key)),
            GgufValueType.Int16 => new(type, *(short*)Take(2, key)),
            GgufValueType.UInt32 => new(type, *(uint*)Take(4, key)),
            GgufValueType.Int32 => new(type, *(int*)Take(4, key)),
            GgufValueType.Float32 => new(type, *(float*)Take(4, key)),
            GgufValueType.Bool => new(type, Bool(key)),
            GgufValueType.String => new(type, String($"value of '{key}'")),
            GgufValueType.UInt64 => new(type, *(ulong*)Take(8, key)),
            GgufValueType.Int64 => new(type, *(long*)Take(8, key)),
            GgufValueType.Float64 => new(type, *(double*)Take(8, key)),
            GgufValueType.Array => new(type, Array(key, depth)),
            _ => throw file.Bad($"metadata '{key}' has unknown value type {(uint)type}"),
        };

        private bool Bool(string key)
        {
            var b = *Take(1, key);
            if (b > 1) throw file.Bad($"metadata '{key}' holds bool byte {b}; expected 0 or 1");
            return b == 1;
        }

        private GgufArray Array(string key, int depth)
        {
            if (depth >= MaxDepth) throw file.Bad($"metadata '{key}' nests arrays deeper than {MaxDepth}");
            var elementType = (GgufValueType)U32();
            var count = U64();
            var minSize = ElementMinSize(elementType)
                ?? throw file.Bad($"metadata '{key}' is an array of unknown value type {(uint)elementType}");
            if (count > (ulong)((length - Position) / minSize) || count > int.MaxValue)
                throw file.Bad($"metadata '{key}' claims {count} array elements, more than the {length - Position} bytes left can hold");
            var n = (int)count;
            switch (elementType)
            {
                case GgufValueType.String:
                    {
                        var items = new string[n];
                        for (var i = 0; i < n; i++) items[i] = String($"element {i} of '{key}'");
                        return new GgufArray(elementType, items);
                    }
                case GgufValueType.Array:
                    {
                        var items = new GgufArray[n];
                        for (var i = 0; i < n; i++) items[i] = Array(key, depth + 1);
                        return new GgufArray(elementType, items);
                    }
                case GgufValueType.Bool:
                    {
                        var items = new bool[n];
                        for (var i = 0; i < n; i++) items[i] = Bool(key);
                        return new GgufArray(elementType, items);
                    }
                default:
                    return new GgufArray(elementType, Blit(elementType, n, key));
            }
        }

        private System.Array Blit(GgufValueType t, int n, string key) => t switch
        {
            GgufValueType.UInt8 => Copy<byte>(n, key),
            GgufValueType.Int8 => Copy<sbyte>(n, key),
            GgufValueType.UInt16 => Copy<ushort>(n, key),
            GgufValueType.Int16 => Copy<short>(n, key),
            GgufValueType.UInt32 => Copy<uint>(n, key),
            GgufValueType.Int32 => Copy<int>(n, key),
            GgufValueType.Float32 => Copy<float>(n, key),
            GgufValueType.UInt64 => Copy<ulong>(n, key),
            GgufValueType.Int64 => Copy<long>(n, key),
            GgufValueType.Float64 => Copy<double>(n, key),
            _ => throw file.Bad($"metadata '{key}': unexpected array element type {t}"),
        };

        private T[] Copy<T>(int n, string key) where T : unmanaged
        {
            var p = Take((long)n * sizeof(T), key);
            var items = new T[n];
            new ReadOnlySpan<T>(p, n).CopyTo(items);
            return items;
        }

        private static int? ElementMinSize(GgufValueType t) => t switch
        {
            GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
            GgufValueType.UInt16 or GgufValueType.Int16 => 2,
            GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
            GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
            GgufValueType.Array => 12,
            _ => null,
        };
    }
}
