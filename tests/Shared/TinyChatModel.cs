using Takase.Engine.Gguf;
using Takase.Engine.Tensors;

namespace Takase.Tests.Support;

/// <summary>
/// A tiny random-weight qwen2 model with the real Qwen2.5 vocabulary and chat template, written with our GGUF writer,
/// so the chat path (template → special tokens → generation → streaming) can be exercised end to end. Its answers
/// are noise; what the tests check is the plumbing.
/// </summary>
public static class TinyChatModel
{
    private static readonly object Gate = new();
    private static string? _path;

    public static string Path
    {
        get
        {
            var vocab = SharedData.Path("vocab/ggml-vocab-qwen2.5-rebuilt.gguf");
            var template = SharedData.Path("templates/Qwen-Qwen2.5-7B-Instruct.jinja");
            lock (Gate) return _path ??= Build(vocab, template);
        }
    }

    private static string Build(string vocabPath, string templatePath)
    {
        using var vocab = GgufFile.Open(vocabPath);
        var w = new GgufWriter();
        const int dim = 32, ff = 64, heads = 2, kvHeads = 1;
        w.Add("general.architecture", "qwen2");
        w.Add("general.name", "tiny-random-qwen2");
        w.Add("qwen2.context_length", 512u);
        w.Add("qwen2.embedding_length", (uint)dim);
        w.Add("qwen2.block_count", 1u);
        w.Add("qwen2.feed_forward_length", (uint)ff);
        w.Add("qwen2.attention.head_count", (uint)heads);
        w.Add("qwen2.attention.head_count_kv", (uint)kvHeads);
        w.Add("qwen2.attention.layer_norm_rms_epsilon", 1e-6f);
        w.Add("qwen2.rope.freq_base", 1000000f);
        foreach (var key in vocab.MetadataKeys.Where(k => k.StartsWith("tokenizer.", StringComparison.Ordinal)))
            w.Add(key, vocab.Metadata[key]);
        w.Add("tokenizer.chat_template", File.ReadAllText(templatePath));
        var nVocab = vocab.GetStringArray("tokenizer.ggml.tokens")!.Length;
        var rng = new Random(7);
        byte[] F16(int n, float scale)
        {
            var b = new byte[n * 2];
            for (var i = 0; i < n; i++) BitConverter.TryWriteBytes(b.AsSpan(i * 2), (Half)((rng.NextSingle() - 0.5f) * scale));
            return b;
        }
        byte[] Ones(int n) => Enumerable.Range(0, n).SelectMany(_ => BitConverter.GetBytes(1f)).ToArray();
        w.AddTensor("token_embd.weight", GgmlType.F16, [dim, nVocab], F16(dim * nVocab, 2f));
        w.AddTensor("output_norm.weight", GgmlType.F32, [dim], Ones(dim));
        w.AddTensor("blk.0.attn_norm.weight", GgmlType.F32, [dim], Ones(dim));
        w.AddTensor("blk.0.ffn_norm.weight", GgmlType.F32, [dim], Ones(dim));
        var headDim = dim / heads;
        foreach (var (name, rows) in new[] { ("attn_q", dim), ("attn_k", kvHeads * headDim), ("attn_v", kvHeads * headDim) })
        {
            w.AddTensor($"blk.0.{name}.weight", GgmlType.F16, [dim, rows], F16(dim * rows, 0.5f));
            w.AddTensor($"blk.0.{name}.bias", GgmlType.F32, [rows], new byte[rows * 4]);
        }
        w.AddTensor("blk.0.attn_output.weight", GgmlType.F16, [dim, dim], F16(dim * dim, 0.5f));
        w.AddTensor("blk.0.ffn_gate.weight", GgmlType.F16, [dim, ff], F16(dim * ff, 0.5f));
        w.AddTensor("blk.0.ffn_up.weight", GgmlType.F16, [dim, ff], F16(dim * ff, 0.5f));
        w.AddTensor("blk.0.ffn_down.weight", GgmlType.F16, [ff, dim], F16(dim * ff, 0.5f));
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"takase-tiny-qwen2-{Environment.ProcessId}.gguf");
        w.Write(path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    }
}
