using Takase.Engine.Gguf;
using Takase.Engine.Tensors;

namespace Takase.Engine.Conversion;

/// <summary>
/// Converts a llama2.c checkpoint (Karpathy's tinyllamas and anything exported by llama2.c's export.py, legacy
/// version 0) and its tokenizer.bin into a GGUF "llama" model, F32 throughout, with the metadata keys, tensor names
/// and vocabulary that llama.cpp's own conversion produces: real small models for tests and demos without a hub.
/// </summary>
/// <remarks>
/// No weight is reordered. llama2.c applies RoPE to adjacent pairs (2i, 2i+1) of each head, the interleaved
/// ("normal") layout that GGUF llama models use too; its export.py already undid Hugging Face's rotate-half
/// permutation when it wrote the file.
/// </remarks>
public static class Llama2cImporter
{
    // run.c's constants, which the checkpoint format does not record.
    private const float RmsNormEpsilon = 1e-5f;
    private const float RopeFreqBase = 10000f;
    private const uint FileTypeAllF32 = 0;   // llama_ftype LLAMA_FTYPE_ALL_F32

    /// <summary>Writes <paramref name="outputGguf"/> (atomically) from a checkpoint and its tokenizer.</summary>
    /// <param name="checkpointPath">The llama2.c model, e.g. stories15M.bin; its file name becomes general.name.</param>
    /// <param name="tokenizerPath">The llama2.c tokenizer.bin with exactly the checkpoint's vocab_size tokens.</param>
    /// <param name="outputGguf">Where to write the GGUF file.</param>
    /// <exception cref="InvalidDataException">Either input is truncated, inconsistent or not in llama2.c format;
    /// the message names the file and what is wrong.</exception>
    public static void Convert(string checkpointPath, string tokenizerPath, string outputGguf)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointPath);
        ArgumentException.ThrowIfNullOrEmpty(tokenizerPath);
        ArgumentException.ThrowIfNullOrEmpty(outputGguf);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("llama2.c checkpoints are little-endian; converting them on a big-endian machine is not supported.");

        using var checkpoint = new FileStream(checkpointPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var config = Llama2cCheckpoint.ReadConfig(checkpoint, checkpointPath);
        var vocabulary = Llama2cTokenizer.Read(tokenizerPath, config.VocabSize);
        var weights = ReadWeights(checkpoint, checkpointPath, config);

        var gguf = new GgufWriter();
        AddMetadata(gguf, config, vocabulary, Path.GetFileNameWithoutExtension(checkpointPath));
        AddTensor(gguf, weights, "token_embd.weight");
        AddTensor(gguf, weights, "output_norm.weight");
        if (!config.SharedClassifier) AddTensor(gguf, weights, "output.weight");
        for (var layer = 0; layer < config.Layers; layer++)
        {
            foreach (var name in LayerTensorOrder)
                AddTensor(gguf, weights, $"blk.{layer}.{name}");
        }
        gguf.Write(outputGguf);
    }

    /// <summary>Per-layer tensors in the order llama.cpp's conversion writes them.</summary>
    private static readonly string[] LayerTensorOrder =
    [
        "attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight",
        "ffn_norm.weight", "ffn_gate.weight", "ffn_down.weight", "ffn_up.weight",
    ];

    private static void AddMetadata(GgufWriter gguf, Llama2cConfig c, Llama2cVocabulary vocabulary, string name)
    {
        gguf.Add("general.architecture", "llama");
        gguf.Add("general.name", name);
        gguf.Add("general.file_type", FileTypeAllF32);
        gguf.Add("llama.context_length", (uint)c.SeqLen);
        gguf.Add("llama.embedding_length", (uint)c.Dim);
        gguf.Add("llama.feed_forward_length", (uint)c.HiddenDim);
        gguf.Add("llama.attention.head_count", (uint)c.Heads);
        gguf.Add("llama.attention.head_count_kv", (uint)c.KvHeads);
        gguf.Add("llama.block_count", (uint)c.Layers);
        gguf.Add("llama.rope.dimension_count", (uint)c.HeadSize);
        gguf.Add("llama.rope.freq_base", RopeFreqBase);
        gguf.Add("llama.attention.layer_norm_rms_epsilon", RmsNormEpsilon);
        gguf.Add("tokenizer.ggml.model", "llama");
        gguf.Add("tokenizer.ggml.tokens", vocabulary.Tokens);
        gguf.Add("tokenizer.ggml.scores", vocabulary.Scores);
        gguf.Add("tokenizer.ggml.token_type", vocabulary.TokenTypes);
        gguf.Add("tokenizer.ggml.unknown_token_id", (uint)Llama2cTokenizer.UnknownId);
        gguf.Add("tokenizer.ggml.bos_token_id", (uint)Llama2cTokenizer.BosId);
        gguf.Add("tokenizer.ggml.eos_token_id", (uint)Llama2cTokenizer.EosId);
        gguf.Add("tokenizer.ggml.add_bos_token", true);    // run.c prepends BOS to every prompt
        gguf.Add("tokenizer.ggml.add_eos_token", false);
    }

    /// <summary>Reads every section in file order into one array per GGUF tensor ("blk.{i}." prefixed for layers).
    /// The header was already checked against the file length, so these reads cannot run past the end.</summary>
    private static Dictionary<string, (long[] Shape, byte[] Data)> ReadWeights(Stream stream, string path, Llama2cConfig config)
    {
        var weights = new Dictionary<string, (long[], byte[])>(StringComparer.Ordinal);
        foreach (var section in Llama2cCheckpoint.Sections(config))
        {
            var bytes = section.FloatsPerTensor * sizeof(float);
            if (section.Name == Llama2cCheckpoint.RopeTablesSection)
            {
                stream.Seek(bytes, SeekOrigin.Current);
                continue;
            }
            if (bytes > Array.MaxLength)
                throw new NotSupportedException($"llama2.c checkpoint {path}: tensor {section.Name} is {bytes:N0} bytes; tensors over 2 GiB cannot be converted yet.");
            for (var i = 0; i < section.Count; i++)
            {
                var data = new byte[bytes];
                stream.ReadExactly(data);
                var name = section.PerLayer ? $"blk.{i}.{section.Name}" : section.Name;
                weights.Add(name, (section.Shape, data));
            }
        }
        return weights;
    }

    private static void AddTensor(GgufWriter gguf, Dictionary<string, (long[] Shape, byte[] Data)> weights, string name)
    {
        var (shape, data) = weights[name];
        gguf.AddTensor(name, GgmlType.F32, shape, data);
    }
}
