using System.Text;
using Takase.Engine.Conversion;
using Takase.Engine.Gguf;
using Takase.Engine.Tensors;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Conversion;

public sealed class Llama2cImporterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("takase-llama2c-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string TempPath(string name) => Path.Combine(_dir, name);

    [Fact]
    public void Stories260KMatchesLlamaCppsConversion()
    {
        var checkpoint = SharedData.Path("models/stories260K.bin");
        var tokenizer = SharedData.Path("models/tok512.bin");
        var reference = SharedData.Path("models/stories260K.gguf");
        var output = TempPath("stories260K.gguf");

        Llama2cImporter.Convert(checkpoint, tokenizer, output);

        using var theirs = GgufFile.Open(reference);
        using var ours = GgufFile.Open(output);

        Assert.Equal(theirs.Tensors.Select(t => t.Name).Order(), ours.Tensors.Select(t => t.Name).Order());
        foreach (var expected in theirs.Tensors)
        {
            var actual = ours.GetTensor(expected.Name);
            Assert.Equal(expected.Type, actual.Type);
            Assert.Equal(expected.Shape, actual.Shape);
            // Byte equality of F32 data is bit equality of every float (NaN payloads and -0 included).
            Assert.True(theirs.TensorBytes(expected).SequenceEqual(ours.TensorBytes(actual)), $"tensor {expected.Name} differs");
        }

        // Every metadata key, its GGUF type and its value agree, general.name included: llama.cpp named the model
        // after the checkpoint's file name, as we do. No key differs.
        Assert.Equal(theirs.MetadataKeys, ours.MetadataKeys);
        foreach (var key in theirs.MetadataKeys)
            AssertSameValue(key, theirs.Metadata[key], ours.Metadata[key]);

        Assert.Equal(theirs.GetStringArray("tokenizer.ggml.tokens"), ours.GetStringArray("tokenizer.ggml.tokens"));
        Assert.Equal(theirs.GetIntArray("tokenizer.ggml.token_type"), ours.GetIntArray("tokenizer.ggml.token_type"));
    }

    private static void AssertSameValue(string key, GgufValue expected, GgufValue actual)
    {
        Assert.True(expected.Type == actual.Type, $"metadata {key}: type {actual.Type}, expected {expected.Type}");
        if (expected.Value is GgufArray a)
        {
            var b = Assert.IsType<GgufArray>(actual.Value);
            Assert.True(a.ElementType == b.ElementType, $"metadata {key}: element type {b.ElementType}, expected {a.ElementType}");
            Assert.True(a.Length == b.Length, $"metadata {key}: {b.Length} elements, expected {a.Length}");
            for (var i = 0; i < a.Length; i++)
                Assert.True(SameScalar(a.Items.GetValue(i)!, b.Items.GetValue(i)!), $"metadata {key}[{i}]: {b.Items.GetValue(i)}, expected {a.Items.GetValue(i)}");
        }
        else
        {
            Assert.True(SameScalar(expected.Value, actual.Value), $"metadata {key}: {actual.Value}, expected {expected.Value}");
        }
    }

    private static bool SameScalar(object x, object y) => (x, y) switch
    {
        (float f, float g) => BitConverter.SingleToInt32Bits(f) == BitConverter.SingleToInt32Bits(g),
        (double f, double g) => BitConverter.DoubleToInt64Bits(f) == BitConverter.DoubleToInt64Bits(g),
        _ => x.Equals(y),
    };

    /// <summary>A tiny model built here: every float is its own index in the file, so each tensor's content tells
    /// exactly which part of the checkpoint it came from.</summary>
    private sealed record Synthetic(int Dim, int Hidden, int Layers, int Heads, int KvHeads, int Vocab, int SeqLen, bool Shared)
    {
        public int HeadSize => Dim / Heads;
        public int KvDim => KvHeads * HeadSize;

        /// <summary>The sections in run.c's order (independently of the importer's table): name, per layer?, floats each.</summary>
        public (string Name, bool PerLayer, int Floats)[] Layout()
        {
            var list = new List<(string, bool, int)>
            {
                ("token_embd.weight", false, Vocab * Dim), ("attn_norm.weight", true, Dim),
                ("attn_q.weight", true, Dim * Dim), ("attn_k.weight", true, Dim * KvDim), ("attn_v.weight", true, Dim * KvDim),
                ("attn_output.weight", true, Dim * Dim), ("ffn_norm.weight", true, Dim),
                ("ffn_gate.weight", true, Hidden * Dim), ("ffn_down.weight", true, Dim * Hidden), ("ffn_up.weight", true, Hidden * Dim),
                ("output_norm.weight", false, Dim), ("freq_cis", false, SeqLen * HeadSize),
            };
            if (!Shared) list.Add(("output.weight", false, Vocab * Dim));
            return list.ToArray();
        }

        public int TotalFloats => Layout().Sum(s => s.PerLayer ? s.Floats * Layers : s.Floats);

        public byte[] CheckpointBytes()
        {
            using var ms = new MemoryStream();
            using var w = new BinaryWriter(ms);
            foreach (var v in new[] { Dim, Hidden, Layers, Heads, KvHeads, Shared ? Vocab : -Vocab, SeqLen }) w.Write(v);
            for (var i = 0; i < TotalFloats; i++) w.Write((float)i);
            w.Flush();
            return ms.ToArray();
        }
    }

    private static readonly string[] SyntheticPieces = ["unk?", "\n<s>\n", "\n</s>\n", "<0x00>", "<0x0A>", " the", "a", "", "日本", " x y"];

    private static byte[] TokenizerBytes(string[] pieces, Func<int, byte[]>? rawPiece = null)
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write(pieces.Max(p => Encoding.UTF8.GetByteCount(p)));
        for (var i = 0; i < pieces.Length; i++)
        {
            var bytes = rawPiece?.Invoke(i) ?? Encoding.UTF8.GetBytes(pieces[i]);
            w.Write(-0.5f * i);
            w.Write(bytes.Length);
            w.Write(bytes);
        }
        w.Flush();
        return ms.ToArray();
    }

    private (string Checkpoint, string Tokenizer) WriteSynthetic(Synthetic model, string name = "tiny.bin")
    {
        var checkpoint = TempPath(name);
        var tokenizer = TempPath("tokenizer.bin");
        File.WriteAllBytes(checkpoint, model.CheckpointBytes());
        File.WriteAllBytes(tokenizer, TokenizerBytes(SyntheticPieces));
        return (checkpoint, tokenizer);
    }

    [Theory]
    [InlineData(1, true)]    // a single layer must still be named blk.0.*
    [InlineData(3, false)]   // untied classifier: output.weight after the RoPE tables
    public void EveryWeightLandsInItsTensorUnchanged(int layers, bool shared)
    {
        var model = new Synthetic(Dim: 8, Hidden: 12, Layers: layers, Heads: 4, KvHeads: 2, Vocab: SyntheticPieces.Length, SeqLen: 6, Shared: shared);
        var (checkpoint, tokenizer) = WriteSynthetic(model);
        var output = TempPath("tiny.gguf");
        Llama2cImporter.Convert(checkpoint, tokenizer, output);

        using var gguf = GgufFile.Open(output);
        var expectedNames = new List<string>();
        var offset = 0;   // in floats, after the header
        foreach (var (name, perLayer, floats) in model.Layout())
        {
            for (var layer = 0; layer < (perLayer ? model.Layers : 1); layer++, offset += floats)
            {
                if (name == "freq_cis") continue;
                var tensorName = perLayer ? $"blk.{layer}.{name}" : name;
                expectedNames.Add(tensorName);
                var tensor = gguf.GetTensor(tensorName);
                Assert.Equal(GgmlType.F32, tensor.Type);
                Assert.Equal(floats, tensor.ElementCount);
                var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(gguf.TensorBytes(tensor)).ToArray();
                Assert.Equal(Enumerable.Range(offset, floats).Select(i => (float)i), values);
            }
        }
        Assert.Equal(expectedNames.Order(), gguf.Tensors.Select(t => t.Name).Order());
        if (!shared) Assert.Equal(new long[] { 8, SyntheticPieces.Length }, gguf.GetTensor("output.weight").Shape);
        Assert.Equal(new long[] { 8, 4 }, gguf.GetTensor("blk.0.attn_k.weight").Shape);      // [dim, n_kv_heads × head_size]
        Assert.Equal(new long[] { 12, 8 }, gguf.GetTensor("blk.0.ffn_down.weight").Shape);   // [hidden, dim]

        Assert.Equal("llama", gguf.Architecture);
        Assert.Equal("tiny", gguf.GetString("general.name"));
        Assert.Equal(6, gguf.GetInteger("llama.context_length"));
        Assert.Equal(8, gguf.GetInteger("llama.embedding_length"));
        Assert.Equal(12, gguf.GetInteger("llama.feed_forward_length"));
        Assert.Equal(layers, gguf.GetInteger("llama.block_count"));
        Assert.Equal(4, gguf.GetInteger("llama.attention.head_count"));
        Assert.Equal(2, gguf.GetInteger("llama.attention.head_count_kv"));
        Assert.Equal(2, gguf.GetInteger("llama.rope.dimension_count"));
    }

    [Fact]
    public void TokenizerPiecesBecomeASentencePieceVocabulary()
    {
        var (checkpoint, tokenizer) = WriteSynthetic(new Synthetic(8, 12, 1, 4, 2, SyntheticPieces.Length, 6, true));
        var output = TempPath("tiny.gguf");
        Llama2cImporter.Convert(checkpoint, tokenizer, output);

        using var gguf = GgufFile.Open(output);
        Assert.Equal(["<unk>", "<s>", "</s>", "<0x00>", "<0x0A>", "▁the", "a", "", "日本", "▁x▁y"], gguf.GetStringArray("tokenizer.ggml.tokens")!);
        // unknown, control ×2, byte ×2, normal ×2, empty → control, normal ×2 (llama.cpp's LLAMA_TOKEN_TYPE_* ids)
        Assert.Equal([2, 3, 3, 6, 6, 1, 1, 3, 1, 1], gguf.GetIntArray("tokenizer.ggml.token_type")!);
        Assert.Equal(Enumerable.Range(0, SyntheticPieces.Length).Select(i => -0.5f * i), gguf.GetFloatArray("tokenizer.ggml.scores"));
        Assert.Equal("llama", gguf.GetString("tokenizer.ggml.model"));
        Assert.Equal((0L, 1L, 2L), (gguf.GetInteger("tokenizer.ggml.unknown_token_id"), gguf.GetInteger("tokenizer.ggml.bos_token_id"), gguf.GetInteger("tokenizer.ggml.eos_token_id")));
    }

    private InvalidDataException ConvertFails(byte[] checkpoint, byte[]? tokenizer = null)
    {
        var checkpointPath = TempPath("bad.bin");
        var tokenizerPath = TempPath("bad-tokenizer.bin");
        var output = TempPath("never.gguf");
        File.WriteAllBytes(checkpointPath, checkpoint);
        File.WriteAllBytes(tokenizerPath, tokenizer ?? TokenizerBytes(SyntheticPieces));
        var error = Assert.Throws<InvalidDataException>(() => Llama2cImporter.Convert(checkpointPath, tokenizerPath, output));
        Assert.False(File.Exists(output), "a failed conversion must not leave an output file");
        Assert.Empty(Directory.GetFiles(_dir, ".never.gguf*"));
        return error;
    }

    private static readonly Synthetic Tiny = new(8, 12, 2, 4, 2, SyntheticPieces.Length, 6, true);

    [Fact]
    public void TruncatedCheckpointSaysHowManyBytesAreMissing()
    {
        var bytes = Tiny.CheckpointBytes();
        var error = ConvertFails(bytes[..^4]);
        Assert.Contains("truncated", error.Message);
        Assert.Contains("bad.bin", error.Message);
        Assert.Contains($"{bytes.Length:N0}", error.Message);
    }

    [Fact]
    public void TrailingBytesAreRejected()
    {
        var error = ConvertFails([.. Tiny.CheckpointBytes(), 0, 0, 0, 0]);
        Assert.Contains("4 bytes more than its header", error.Message);
    }

    [Fact]
    public void HeaderClaimingAHugeModelFailsWithoutAllocating()
    {
        static byte[] Header(params int[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = ConvertFails(Header(1 << 30, 1 << 30, 1 << 20, 1 << 10, 1 << 10, 1 << 30, 1 << 30));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "rejecting a header must not allocate its claimed size");
        Assert.Contains("dim=1073741824", error.Message);

        Assert.Contains("truncated", ConvertFails(Header(4096, 11008, 32, 32, 32, 32000, 2048)).Message);
    }

    [Theory]
    [InlineData(new[] { 0, 12, 2, 4, 2, 10, 6 }, "every size must be positive")]
    [InlineData(new[] { 8, 12, 2, 4, 2, 0, 6 }, "vocab_size must be non-zero")]
    [InlineData(new[] { 8, 12, 2, 3, 3, 10, 6 }, "multiple of n_heads")]
    [InlineData(new[] { 8, 12, 2, 4, 3, 10, 6 }, "multiple of n_kv_heads")]
    [InlineData(new[] { 12, 12, 2, 4, 2, 10, 6 }, "must be even")]
    public void InconsistentHeadersNameTheProblem(int[] header, string problem)
    {
        var error = ConvertFails(header.SelectMany(BitConverter.GetBytes).ToArray());
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void NewerExportFormatsAreNamed()
    {
        var header = new[] { 0x616b3432, 2, 8, 12, 2, 4, 2 }.SelectMany(BitConverter.GetBytes).ToArray();
        Assert.Contains("export version 2", ConvertFails([.. header, .. new byte[256]]).Message);
    }

    [Fact]
    public void TokenizerWithFewerTokensThanTheModelIsRejected()
    {
        var error = ConvertFails(Tiny.CheckpointBytes(), TokenizerBytes(SyntheticPieces[..^1]));
        Assert.Contains("ends after 9 tokens", error.Message);
    }

    [Fact]
    public void TokenizerWithMoreTokensThanTheModelIsRejected()
    {
        var error = ConvertFails(Tiny.CheckpointBytes(), TokenizerBytes([.. SyntheticPieces, "extra"]));
        Assert.Contains("left after 10 tokens", error.Message);
    }

    [Fact]
    public void TokenizerWithAnImpossibleLengthIsRejected()
    {
        var bytes = TokenizerBytes(SyntheticPieces);
        BitConverter.GetBytes(int.MaxValue).CopyTo(bytes, 4 + 4);   // token 0's length field
        Assert.Contains("token 0 claims 2147483647 bytes", ConvertFails(Tiny.CheckpointBytes(), bytes).Message);
    }

    [Fact]
    public void TokenizerWithInvalidUtf8NamesTheToken()
    {
        var bytes = TokenizerBytes(SyntheticPieces, i => i == 6 ? [0xE6, 0x97] : Encoding.UTF8.GetBytes(SyntheticPieces[i]));
        Assert.Contains("token 6 is not valid UTF-8 (bytes E697)", ConvertFails(Tiny.CheckpointBytes(), bytes).Message);
    }
}
