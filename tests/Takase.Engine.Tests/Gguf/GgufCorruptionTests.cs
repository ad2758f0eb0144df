using System.Buffers.Binary;
using Takase.Engine.Gguf;
using Takase.Engine.Tensors;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Gguf;

/// <summary>Bad files must give a GgufFormatException that names the problem: never a crash, never a giant allocation.</summary>
public class GgufCorruptionTests
{
    private static byte[] ValidFile()
    {
        var w = new GgufWriter();
        w.Add("general.architecture", "llama");
        w.Add("tokens", ["a", "b", "c"]);
        w.Add("scores", [0.5f, 1f, 2f]);
        w.Add("count", 7u);
        w.AddTensor("w", GgmlType.F32, [4, 2], new byte[32]);
        w.AddTensor("q", GgmlType.Q4_0, [32], new byte[18]);
        using var ms = new MemoryStream();
        w.Write(ms);
        return ms.ToArray();
    }

    private static string Fail(byte[] bytes)
    {
        using var dir = new TempDir();
        var path = dir.File("bad.gguf");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<GgufFormatException>(() => GgufFile.Open(path).Dispose());
        Assert.Contains(path, e.Message);
        return e.Message;
    }

    // Offsets in ValidFile(): magic 0, version 4, tensor count 8, kv count 16, first key length 24.
    [Fact]
    public void WrongMagicIsNamed() => Assert.Contains("wrong magic 'GGML'", Fail([.. "GGML"u8, .. ValidFile()[4..]]));

    [Fact]
    public void UnsupportedVersionIsNamed()
    {
        var b = ValidFile();
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), 9);
        Assert.Contains("unsupported version 9", Fail(b));
    }

    [Fact]
    public void BigEndianFileIsNamed()
    {
        var b = ValidFile();
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), 3);
        Assert.Contains("big-endian", Fail(b));
    }

    [Fact]
    public void AbsurdCountsAreRejectedBeforeAllocating()
    {
        var b = ValidFile();
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(16), ulong.MaxValue / 2);
        Assert.Contains("metadata count", Fail(b));
        b = ValidFile();
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), 1UL << 40);
        Assert.Contains("tensor count", Fail(b));
    }

    [Fact]
    public void AbsurdStringLengthIsRejected()
    {
        var b = ValidFile();
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(24), 1UL << 50);
        Assert.Contains("claims", Fail(b));
    }

    [Fact]
    public void UnknownTensorTypeIsNamed()
    {
        var b = ValidFile();
        var at = IndexOfTensorType(b, "q", GgmlType.Q4_0);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), 77);
        Assert.Contains("tensor 'q' has tensor type id 77", Fail(b));
    }

    [Fact]
    public void TruncatedDataIsNamed() => Assert.Contains("outside the data section", Fail(ValidFile()[..^40]));

    [Fact]
    public void EveryTruncationFailsCleanly()
    {
        var b = ValidFile();
        for (var n = 0; n < b.Length - 40; n += 3) Fail(b[..n]);
    }

    [Fact]
    public void RandomMutationsOfARealModelGiveOnlyCleanErrors()
    {
        var original = File.ReadAllBytes(SharedData.Path("models/stories260K-Q4_0.gguf"));
        using var probe = GgufFile.Open(SharedData.Path("models/stories260K-Q4_0.gguf"));
        var headerEnd = (int)probe.DataOffset; // mutate the header, where parsing decisions are made
        var rng = new Random(1234);
        using var dir = new TempDir();
        var path = dir.File("mutant.gguf");
        var rejected = 0;
        for (var iteration = 0; iteration < 300; iteration++)
        {
            var b = (byte[])original.Clone();
            var edits = rng.Next(1, 5);
            for (var e = 0; e < edits; e++)
            {
                var at = rng.Next(headerEnd);
                b[at] = rng.Next(3) switch { 0 => (byte)rng.Next(256), 1 => 0xFF, _ => (byte)(b[at] ^ (1 << rng.Next(8))) };
            }
            if (rng.Next(10) == 0) b = b[..rng.Next(b.Length)];
            File.WriteAllBytes(path, b);
            try
            {
                using var f = GgufFile.Open(path);
                foreach (var t in f.Tensors) _ = f.TensorBytes(t)[^1]; // every accepted tensor lies inside the file
            }
            catch (GgufFormatException) { rejected++; }
        }
        Assert.True(rejected > 50, $"only {rejected} of 300 mutants were rejected; the checks look too weak");
    }

    private static int IndexOfTensorType(byte[] file, string tensorName, GgmlType type)
    {
        // name (u64 len + bytes), n_dims u32, dims u64 × n, type u32
        var needle = new byte[8 + tensorName.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(needle, (ulong)tensorName.Length);
        System.Text.Encoding.UTF8.GetBytes(tensorName).CopyTo(needle, 8);
        var at = file.AsSpan().IndexOf(needle);
        var nDims = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + needle.Length));
        var typeAt = at + needle.Length + 4 + 8 * (int)nDims;
        Assert.Equal((uint)type, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(typeAt)));
        return typeAt;
    }
}
