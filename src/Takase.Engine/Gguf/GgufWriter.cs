using System.Text;
using Takase.Engine.Tensors;

namespace Takase.Engine.Gguf;

/// <summary>
/// Writes GGUF v3 (or v2) files: metadata in insertion order, tensors aligned as the reader expects. Used for test
/// fixtures, model conversion and quantization. <see cref="Write(string)"/> is atomic: a temp file beside the target
/// is written, flushed to disk and renamed over it, so a crash never leaves a half-written model under its name.
/// </summary>
public sealed class GgufWriter(uint version = 3, int alignment = GgufFile.DefaultAlignment)
{
    private readonly List<(string Key, GgufValue Value)> _metadata = [];
    // A tensor's bytes are either given up front or produced while the file is written (so a converter never holds a
    // whole model in memory, and tensors may exceed 2 GiB).
    private sealed record Tensor(string Name, GgmlType Type, long[] Shape, long Length, ReadOnlyMemory<byte> Data, Action<Stream>? Produce);

    private readonly List<Tensor> _tensors = [];

    /// <summary>Adds (or replaces) a metadata value.</summary>
    public void Add(string key, GgufValue value)
    {
        var i = _metadata.FindIndex(m => m.Key == key);
        if (i >= 0) _metadata[i] = (key, value);
        else _metadata.Add((key, value));
    }

#pragma warning disable CS1591 // one overload per GGUF scalar type; the names say it all
    public void Add(string key, string value) => Add(key, new GgufValue(GgufValueType.String, value));
    public void Add(string key, byte value) => Add(key, new GgufValue(GgufValueType.UInt8, value));
    public void Add(string key, sbyte value) => Add(key, new GgufValue(GgufValueType.Int8, value));
    public void Add(string key, ushort value) => Add(key, new GgufValue(GgufValueType.UInt16, value));
    public void Add(string key, short value) => Add(key, new GgufValue(GgufValueType.Int16, value));
    public void Add(string key, uint value) => Add(key, new GgufValue(GgufValueType.UInt32, value));
    public void Add(string key, int value) => Add(key, new GgufValue(GgufValueType.Int32, value));
    public void Add(string key, ulong value) => Add(key, new GgufValue(GgufValueType.UInt64, value));
    public void Add(string key, long value) => Add(key, new GgufValue(GgufValueType.Int64, value));
    public void Add(string key, float value) => Add(key, new GgufValue(GgufValueType.Float32, value));
    public void Add(string key, double value) => Add(key, new GgufValue(GgufValueType.Float64, value));
    public void Add(string key, bool value) => Add(key, new GgufValue(GgufValueType.Bool, value));
    public void Add(string key, string[] values) => Add(key, new GgufValue(GgufValueType.Array, new GgufArray(GgufValueType.String, values)));
    public void Add(string key, float[] values) => Add(key, new GgufValue(GgufValueType.Array, new GgufArray(GgufValueType.Float32, values)));
    public void Add(string key, int[] values) => Add(key, new GgufValue(GgufValueType.Array, new GgufArray(GgufValueType.Int32, values)));
#pragma warning restore CS1591

    /// <summary>Adds a tensor. <paramref name="shape"/> is ne0 first; <paramref name="data"/> must hold exactly the
    /// bytes the type and shape require.</summary>
    public void AddTensor(string name, GgmlType type, long[] shape, ReadOnlyMemory<byte> data)
    {
        var expected = CheckTensor(name, type, shape);
        if (data.Length != expected) throw new ArgumentException($"tensor {name}: {data.Length} bytes given; {TensorTypes.Get(type).Name} with shape [{string.Join(", ", shape)}] needs {expected}");
        _tensors.Add(new Tensor(name, type, shape, expected, data, null));
    }

    /// <summary>
    /// Adds a tensor whose bytes <paramref name="produce"/> writes to the stream it is given when the file is written,
    /// in file order; it must write exactly the bytes the type and shape require.
    /// </summary>
    public void AddTensor(string name, GgmlType type, long[] shape, Action<Stream> produce)
    {
        ArgumentNullException.ThrowIfNull(produce);
        _tensors.Add(new Tensor(name, type, shape, CheckTensor(name, type, shape), ReadOnlyMemory<byte>.Empty, produce));
    }

    /// <summary>Checks the shape and name; returns the byte length the tensor must have.</summary>
    private long CheckTensor(string name, GgmlType type, long[] shape)
    {
        var traits = TensorTypes.Get(type);
        if (shape.Length is 0 or > GgufFile.MaxDims) throw new ArgumentException($"tensor {name}: {shape.Length} dimensions; expected 1 to {GgufFile.MaxDims}");
        if (shape.Any(d => d <= 0)) throw new ArgumentException($"tensor {name}: dimensions must be positive");
        if (_tensors.Any(t => t.Name == name)) throw new ArgumentException($"tensor {name} added twice");
        return traits.RowBytes(shape[0]) * shape.Skip(1).Aggregate(1L, (a, b) => a * b);
    }

    /// <summary>Writes the file atomically (temp file, fsync, rename).</summary>
    public void Write(string path)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Writes the file to a stream.</summary>
    public void Write(Stream stream)
    {
        var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        var hasAlignment = _metadata.Any(m => m.Key == "general.alignment");
        if (alignment != GgufFile.DefaultAlignment && !hasAlignment) Add("general.alignment", (uint)alignment);
        w.Write(GgufFile.Magic);
        w.Write(version);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            WriteString(w, key);
            w.Write((uint)value.Type);
            WriteValue(w, value.Type, value.Value);
        }
        ulong offset = 0;
        var offsets = new ulong[_tensors.Count];
        for (var i = 0; i < _tensors.Count; i++)
        {
            var t = _tensors[i];
            WriteString(w, t.Name);
            w.Write((uint)t.Shape.Length);
            foreach (var d in t.Shape) w.Write((ulong)d);
            w.Write((uint)t.Type);
            offsets[i] = offset;
            w.Write(offset);
            offset = Align(offset + (ulong)t.Length);
        }
        Pad(w);
        var dataStart = w.BaseStream.Position;
        for (var i = 0; i < _tensors.Count; i++)
        {
            var pos = (ulong)(w.BaseStream.Position - dataStart);
            while (pos < offsets[i]) { w.Write((byte)0); pos++; }
            var t = _tensors[i];
            if (t.Produce is null)
            {
                w.Write(t.Data.Span);
                continue;
            }
            w.Flush();
            var before = w.BaseStream.Position;
            t.Produce(w.BaseStream);
            var written = w.BaseStream.Position - before;
            if (written != t.Length) throw new InvalidOperationException($"tensor {t.Name}: the producer wrote {written} bytes; {t.Length} were declared");
        }
        Pad(w);
        w.Flush();
    }

    private ulong Align(ulong x) => (x + (ulong)alignment - 1) / (ulong)alignment * (ulong)alignment;

    private void Pad(BinaryWriter w)
    {
        var pos = (ulong)w.BaseStream.Position;
        for (var i = pos; i < Align(pos); i++) w.Write((byte)0);
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: w.Write((byte)value); break;
            case GgufValueType.Int8: w.Write((sbyte)value); break;
            case GgufValueType.UInt16: w.Write((ushort)value); break;
            case GgufValueType.Int16: w.Write((short)value); break;
            case GgufValueType.UInt32: w.Write((uint)value); break;
            case GgufValueType.Int32: w.Write((int)value); break;
            case GgufValueType.Float32: w.Write((float)value); break;
            case GgufValueType.Bool: w.Write((bool)value ? (byte)1 : (byte)0); break;
            case GgufValueType.String: WriteString(w, (string)value); break;
            case GgufValueType.UInt64: w.Write((ulong)value); break;
            case GgufValueType.Int64: w.Write((long)value); break;
            case GgufValueType.Float64: w.Write((double)value); break;
            case GgufValueType.Array:
                var a = (GgufArray)value;
                w.Write((uint)a.ElementType);
                w.Write((ulong)a.Length);
                foreach (var item in a.Items) WriteValue(w, a.ElementType, item!);
                break;
            default: throw new ArgumentException($"unknown GGUF value type {type}");
        }
    }
}
