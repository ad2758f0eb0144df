namespace Takase.Engine.Conversion;

/// <summary>
/// The header of a llama2.c checkpoint ("legacy" version 0 of llama2.c's export.py, the format run.c reads):
/// seven little-endian int32 values. A negative vocabulary size means the file carries its own output classifier
/// instead of reusing the token embeddings.
/// </summary>
internal sealed record Llama2cConfig(int Dim, int HiddenDim, int Layers, int Heads, int KvHeads, int VocabSize, bool SharedClassifier, int SeqLen)
{
    public const int HeaderBytes = 7 * sizeof(int);

    public int HeadSize => Dim / Heads;
    public int KvDim => KvHeads * HeadSize;
}

/// <summary>One run of float32 weights in the checkpoint: <see cref="Count"/> tensors of <see cref="Shape"/> back to
/// back (one per layer when <see cref="PerLayer"/>, named blk.{i}.Name in GGUF). Shapes are ggml's, ne0 first: llama2.c stores matrices row-major as
/// (out, in), which is exactly ggml's [in, out], so the bytes are copied unchanged.</summary>
internal sealed record Llama2cSection(string Name, bool PerLayer, int Count, long[] Shape)
{
    public long FloatsPerTensor => Shape.Aggregate(1L, (a, b) => checked(a * b));
    public long TotalFloats => checked(FloatsPerTensor * Count);
}

/// <summary>Reads and validates a llama2.c checkpoint's header and lays out its weights.</summary>
internal static class Llama2cCheckpoint
{
    /// <summary>"ak42" as a little-endian int32: the magic of llama2.c's newer export versions 1 and 2.</summary>
    private const int NewExportMagic = 0x616b3432;

    /// <summary>Reads the header and checks it against the file length before anything is allocated, so a
    /// corrupt header claiming a huge model fails fast instead of reserving gigabytes.</summary>
    public static Llama2cConfig ReadConfig(Stream stream, string path)
    {
        var length = stream.Length;
        if (length < Llama2cConfig.HeaderBytes)
            throw Bad(path, $"is {length} bytes long, shorter than the {Llama2cConfig.HeaderBytes}-byte llama2.c header");

        Span<byte> header = stackalloc byte[Llama2cConfig.HeaderBytes];
        stream.ReadExactly(header);
        Span<int> h = stackalloc int[7];
        for (var i = 0; i < h.Length; i++) h[i] = BitConverter.ToInt32(header[(i * 4)..]);

        if (h[0] == NewExportMagic)
            throw Bad(path, $"is a llama2.c export version {h[1]} file (header 'ak42'); only the legacy version 0 format that run.c reads is supported; re-export with llama2.c's export.py --version 0");

        var (dim, hidden, layers, heads, kvHeads, vocab, seqLen) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6]);
        var described = $"dim={dim} hidden_dim={hidden} n_layers={layers} n_heads={heads} n_kv_heads={kvHeads} vocab_size={vocab} seq_len={seqLen}";
        string Absurd(string why) => $"has an invalid llama2.c header ({described}): {why}";

        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || seqLen <= 0)
            throw Bad(path, Absurd("every size must be positive"));
        if (vocab == 0 || vocab == int.MinValue)
            throw Bad(path, Absurd("vocab_size must be non-zero"));
        if (dim % heads != 0)
            throw Bad(path, Absurd("dim must be a multiple of n_heads"));
        if (kvHeads > heads || heads % kvHeads != 0)
            throw Bad(path, Absurd("n_heads must be a multiple of n_kv_heads"));
        if (dim / heads % 2 != 0)
            throw Bad(path, Absurd("the head size dim/n_heads must be even for rotary embeddings"));

        var config = new Llama2cConfig(dim, hidden, layers, heads, kvHeads, Math.Abs(vocab), vocab > 0, seqLen);
        long expected;
        try
        {
            expected = checked(Llama2cConfig.HeaderBytes + Sections(config).Sum(s => s.TotalFloats) * sizeof(float));
        }
        catch (OverflowException)
        {
            throw Bad(path, Absurd("the sizes multiply beyond any possible file"));
        }
        if (expected > length)
            throw Bad(path, $"is truncated or not a llama2.c checkpoint: its header ({described}) needs {expected:N0} bytes but the file has {length:N0}");
        if (expected < length)
            throw Bad(path, $"has {length - expected:N0} bytes more than its header ({described}) accounts for ({expected:N0}); it is not a legacy llama2.c checkpoint, or the header is wrong");
        return config;
    }

    /// <summary>The weights in file order, as run.c's memory_map_weights walks them. The RoPE frequency tables
    /// (freq_cis_real and freq_cis_imag, seq_len × head_size/2 each) sit between the final norm and the optional
    /// classifier; they are recomputed at inference, so the importer skips them.</summary>
    public static IReadOnlyList<Llama2cSection> Sections(Llama2cConfig c)
    {
        var sections = new List<Llama2cSection>
        {
            new("token_embd.weight", false, 1, [c.Dim, c.VocabSize]),
            new("attn_norm.weight", true, c.Layers, [c.Dim]),
            new("attn_q.weight", true, c.Layers, [c.Dim, c.Dim]),
            new("attn_k.weight", true, c.Layers, [c.Dim, c.KvDim]),
            new("attn_v.weight", true, c.Layers, [c.Dim, c.KvDim]),
            new("attn_output.weight", true, c.Layers, [c.Dim, c.Dim]),
            new("ffn_norm.weight", true, c.Layers, [c.Dim]),
            new("ffn_gate.weight", true, c.Layers, [c.Dim, c.HiddenDim]),   // w1
            new("ffn_down.weight", true, c.Layers, [c.HiddenDim, c.Dim]),   // w2
            new("ffn_up.weight", true, c.Layers, [c.Dim, c.HiddenDim]),     // w3
            new("output_norm.weight", false, 1, [c.Dim]),
            new(RopeTablesSection, false, 1, [(long)c.SeqLen * c.HeadSize]),
        };
        if (!c.SharedClassifier) sections.Add(new("output.weight", false, 1, [c.Dim, c.VocabSize]));
        return sections;
    }

    /// <summary>Name of the skipped freq_cis tables in <see cref="Sections"/>.</summary>
    public const string RopeTablesSection = "(freq_cis tables)";

    private static InvalidDataException Bad(string path, string problem) => new($"llama2.c checkpoint {path} {problem}.");
}
