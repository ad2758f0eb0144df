using System.Runtime.InteropServices;
using Takase.Engine.Gguf;
using Takase.Engine.Tensors;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Gguf;

public class GgufRoundTripTests
{
    [Fact]
    public void TensorsProducedWhileWritingLandWhereTheyAreDeclaredAndAShortProducerLeavesNoFile()
    {
        using var dir = new TempDir();
        var path = dir.File("produced.gguf");
        var w = new GgufWriter();
        w.AddTensor("given", GgmlType.F32, [3], new byte[12]);
        w.AddTensor("produced", GgmlType.F32, [5], stream => stream.Write(MemoryMarshal.AsBytes<float>([1, 2, 3, 4, 5])));
        w.AddTensor("after", GgmlType.F32, [1], MemoryMarshal.AsBytes<float>([9]).ToArray());
        w.Write(path);
        using (var f = GgufFile.Open(path))
        {
            Assert.Equal([1f, 2, 3, 4, 5], MemoryMarshal.Cast<byte, float>(f.TensorBytes(f.GetTensor("produced"))).ToArray());
            Assert.Equal([9f], MemoryMarshal.Cast<byte, float>(f.TensorBytes(f.GetTensor("after"))).ToArray());
        }

        var bad = new GgufWriter();
        bad.AddTensor("short", GgmlType.F32, [4], stream => stream.Write(new byte[12]));
        var e = Assert.Throws<InvalidOperationException>(() => bad.Write(dir.File("bad.gguf")));
        Assert.Contains("short", e.Message);
        Assert.Equal(["produced.gguf"], Directory.GetFiles(dir.Path).Select(Path.GetFileName)); // no temp file, no bad.gguf
    }

    [Fact]
    public void AFileOpenedThroughASymbolicLinkIsReadWhole()
    {
        using var dir = new TempDir();
        var real = dir.File("real.gguf");
        var w = new GgufWriter();
        w.Add("general.architecture", "llama");
        w.AddTensor("t", GgmlType.F32, [4], new byte[16]);
        w.Write(real);
        var link = dir.File("a-much-longer-link-name-than-the-target.gguf");
        File.CreateSymbolicLink(link, real);

        using var f = GgufFile.Open(link);
        Assert.Equal(new FileInfo(real).Length, f.FileSize);
        Assert.Equal("llama", f.Architecture);
        Assert.Equal(16, f.TensorBytes(f.GetTensor("t")).Length);

        File.Delete(real);
        Assert.Throws<FileNotFoundException>(() => GgufFile.Open(link)); // a dangling link names what is missing
    }

    [Fact]
    public void EveryValueTypeAndNestedArraysSurviveAWriteAndRead()
    {
        using var dir = new TempDir();
        var path = dir.File("all.gguf");
        var w = new GgufWriter();
        w.Add("u8", (byte)200); w.Add("i8", (sbyte)-100); w.Add("u16", (ushort)60000); w.Add("i16", (short)-30000);
        w.Add("u32", 4_000_000_000u); w.Add("i32", -2_000_000_000); w.Add("f32", 1.5f); w.Add("bool", true);
        w.Add("str", "こんにちは 🌸"); w.Add("u64", ulong.MaxValue); w.Add("i64", long.MinValue); w.Add("f64", Math.PI);
        w.Add("strs", ["a", "", "日本"]); w.Add("floats", [1f, -2f]); w.Add("ints", [3, -4]);
        w.Add("nested", new GgufValue(GgufValueType.Array, new GgufArray(GgufValueType.Array,
            new[] { new GgufArray(GgufValueType.Int32, new[] { 1, 2 }), new GgufArray(GgufValueType.String, new[] { "x" }) })));
        var f32 = new byte[3 * 2 * 4];
        BitConverter.GetBytes(7.25f).CopyTo(f32, 20);
        w.AddTensor("t.f32", GgmlType.F32, [3, 2], f32);
        w.AddTensor("t.q8", GgmlType.Q8_0, [32], new byte[34]);
        w.Write(path);

        using var f = GgufFile.Open(path);
        Assert.Equal(3u, f.Version);
        Assert.Equal((byte)200, f.Metadata["u8"].Value);
        Assert.Equal((sbyte)-100, f.Metadata["i8"].Value);
        Assert.Equal(60000L, f.GetInteger("u16"));
        Assert.Equal(-30000L, f.GetInteger("i16"));
        Assert.Equal(4_000_000_000L, f.GetInteger("u32"));
        Assert.Equal(-2_000_000_000L, f.GetInteger("i32"));
        Assert.Equal(1.5f, f.GetFloat("f32"));
        Assert.True(f.GetBool("bool"));
        Assert.Equal("こんにちは 🌸", f.GetString("str"));
        Assert.Equal(ulong.MaxValue, f.Metadata["u64"].Value);
        Assert.Equal(long.MinValue, f.GetInteger("i64"));
        Assert.Equal((float)Math.PI, f.GetFloat("f64"));
        Assert.Equal(["a", "", "日本"], f.GetStringArray("strs")!);
        Assert.Equal([1f, -2f], f.GetFloatArray("floats")!);
        Assert.Equal([3, -4], f.GetIntArray("ints")!);
        var nested = f.Metadata["nested"].AsArray();
        Assert.Equal(GgufValueType.Array, nested.ElementType);
        Assert.Equal([1, 2], (int[])((GgufArray)nested.Items.GetValue(0)!).Items);
        Assert.Equal(["x"], (string[])((GgufArray)nested.Items.GetValue(1)!).Items);
        Assert.Null(f.GetString("absent"));
        Assert.Throws<GgufFormatException>(() => f.GetString("u8"));

        var t = f.GetTensor("t.f32");
        Assert.Equal([3L, 2L], t.Shape);
        Assert.Equal(0, (f.DataOffset + (long)t.Offset) % 32);
        Assert.Equal(7.25f, BitConverter.ToSingle(f.TensorBytes(t)[20..]));
        Assert.Equal(34, f.TensorBytes(f.GetTensor("t.q8")).Length);
        Assert.Equal(["u8", "i8", "u16"], f.MetadataKeys.Take(3));
    }

    [Fact]
    public void CustomAlignmentIsRecordedAndHonoured()
    {
        using var dir = new TempDir();
        var path = dir.File("aligned.gguf");
        var w = new GgufWriter(alignment: 64);
        w.AddTensor("a", GgmlType.F32, [1], new byte[4]);
        w.AddTensor("b", GgmlType.F32, [1], BitConverter.GetBytes(2f));
        w.Write(path);
        using var f = GgufFile.Open(path);
        Assert.Equal(64, f.Alignment);
        Assert.Equal(64UL, f.GetTensor("b").Offset);
        Assert.Equal(2f, BitConverter.ToSingle(f.TensorBytes(f.GetTensor("b"))));
    }

    [Fact]
    public void ReadsTheLlamaCppMadeStoriesModel()
    {
        using var f = GgufFile.Open(SharedData.Path("models/stories260K.gguf"));
        Assert.Equal("llama", f.Architecture);
        Assert.Equal(64, f.GetInteger("llama.embedding_length"));
        Assert.Equal(5, f.GetInteger("llama.block_count"));
        Assert.Equal(512, f.GetStringArray("tokenizer.ggml.tokens")!.Length);
        var emb = f.GetTensor("token_embd.weight");
        Assert.Equal([64L, 512L], emb.Shape);
        Assert.Equal(GgmlType.F32, emb.Type);
        Assert.All(f.Tensors, t => Assert.Equal(t.ByteSize, TensorTypes.Get(t.Type).RowBytes(t.Shape[0]) * (t.ElementCount / t.Shape[0])));
    }

    [Fact]
    public void RewritingARealModelKeepsEveryByteOfMetadataAndTensors()
    {
        using var dir = new TempDir();
        using var src = GgufFile.Open(SharedData.Path("models/stories260K-Q8_0.gguf"));
        var w = new GgufWriter(src.Version, src.Alignment);
        foreach (var key in src.MetadataKeys) w.Add(key, src.Metadata[key]);
        foreach (var t in src.Tensors) w.AddTensor(t.Name, t.Type, t.Shape, src.TensorBytes(t).ToArray());
        var copy = dir.File("copy.gguf");
        w.Write(copy);
        Assert.Equal(File.ReadAllBytes(src.Path), File.ReadAllBytes(copy));
    }
}
