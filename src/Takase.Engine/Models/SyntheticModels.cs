using System.Buffers;
using System.Runtime.InteropServices;
using Takase.Engine.Conversion;
using Takase.Engine.Gguf;
using Takase.Engine.Tensors;

namespace Takase.Engine.Models;

/// <summary>
/// The tensor shapes and hyper-parameters of a real model, for random-weight stand-ins that run at the real model's
/// speed (every weight is read once per token whatever its value). llama.cpp's reference figures
/// (shared/bench/llamacpp-cpu.md) were measured on files built the same way.
/// </summary>
/// <param name="Name">The name used on the command line (e.g. "qwen2.5-0.5b").</param>
/// <param name="Architecture">general.architecture.</param>
/// <param name="Layers">Transformer blocks.</param>
/// <param name="Hidden">Width of the residual stream.</param>
/// <param name="Heads">Query heads.</param>
/// <param name="KvHeads">Key/value heads.</param>
/// <param name="HeadDim">Dimensions per head.</param>
/// <param name="FeedForward">Hidden width of the feed-forward block.</param>
/// <param name="Vocab">Vocabulary size.</param>
/// <param name="RopeTheta">RoPE base frequency.</param>
/// <param name="RmsEps">RMSNorm epsilon.</param>
/// <param name="Llama3RopeFactor">llama3 RoPE scaling factor (0 = none); low 1, high 4, original context 8192.</param>
public sealed record SyntheticModelShape(string Name, string Architecture, int Layers, int Hidden, int Heads, int KvHeads,
    int HeadDim, int FeedForward, int Vocab, float RopeTheta, float RmsEps, float Llama3RopeFactor = 0)
{
    /// <summary>Qwen2.5-0.5B: qwen2, QKV bias, tied embeddings, NeoX RoPE.</summary>
    public static SyntheticModelShape Qwen25_05B { get; } = new("qwen2.5-0.5b", "qwen2", 24, 896, 14, 2, 64, 4864, 151936, 1e6f, 1e-6f);

    /// <summary>Llama-3.2-1B: llama, tied embeddings, llama3 RoPE scaling (factor 32).</summary>
    public static SyntheticModelShape Llama32_1B { get; } = new("llama-3.2-1b", "llama", 16, 2048, 32, 8, 64, 8192, 128256, 5e5f, 1e-5f, 32f);

    /// <summary>The shapes <see cref="SyntheticModels.Ensure"/> knows by name.</summary>
    public static IReadOnlyList<SyntheticModelShape> Known { get; } = [Qwen25_05B, Llama32_1B];
}

/// <summary>
/// Writes random-weight GGUF models with a real model's shapes: 2-D tensors F16 and 1-D F32, weights and biases
/// normal with standard deviation 0.02, norm weights 1.0, tied embeddings; then quantizes them with
/// <see cref="ModelQuantizer"/> (llama-quantize's recipes, Q4_K_M's fallbacks included). The tokenizer is a
/// placeholder list of vocabulary-many tokens ("&lt;t123&gt;"): enough for speed measurements, not for text.
/// </summary>
public static class SyntheticModels
{
    /// <summary>
    /// The path of the model <paramref name="spec"/> ("qwen2.5-0.5b:q4_0", "llama-3.2-1b:f16", any llama-quantize
    /// type) under <paramref name="cacheDir"/>, writing it (and the F16 file it is quantized from) when absent.
    /// </summary>
    public static string Ensure(string spec, string cacheDir, Action<string>? log = null)
    {
        var parts = spec.Split(':');
        var shape = SyntheticModelShape.Known.FirstOrDefault(s => string.Equals(s.Name, parts[0], StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"unknown synthetic model '{parts[0]}'; known: {string.Join(", ", SyntheticModelShape.Known.Select(s => s.Name))}");
        var type = QuantizationType.Parse(parts.Length > 1 ? parts[1] : "F16");
        Directory.CreateDirectory(cacheDir);
        var f16 = Path.Combine(cacheDir, $"{shape.Name}-synthetic-F16.gguf");
        if (!File.Exists(f16))
        {
            log?.Invoke($"writing {f16}");
            WriteF16(shape, f16);
        }
        if (type.BaseType == GgmlType.F16) return f16;
        var path = Path.Combine(cacheDir, $"{shape.Name}-synthetic-{type.Name}.gguf");
        if (!File.Exists(path))
        {
            log?.Invoke($"quantizing to {path}");
            ModelQuantizer.Quantize(f16, path, type);
        }
        return path;
    }

    /// <summary>Writes the F16/F32 random-weight model of <paramref name="shape"/> to <paramref name="path"/> (seeded: the
    /// same shape gives the same bytes).</summary>
    public static void WriteF16(SyntheticModelShape shape, string path, int seed = 1234)
    {
        var s = shape;
        var a = s.Architecture;
        var w = new GgufWriter();
        w.Add("general.architecture", a);
        w.Add("general.name", $"{s.Name} synthetic (random weights)");
        w.Add("general.file_type", 1u); // MOSTLY_F16
        w.Add($"{a}.block_count", (uint)s.Layers);
        w.Add($"{a}.context_length", 32768u);
        w.Add($"{a}.embedding_length", (uint)s.Hidden);
        w.Add($"{a}.feed_forward_length", (uint)s.FeedForward);
        w.Add($"{a}.attention.head_count", (uint)s.Heads);
        w.Add($"{a}.attention.head_count_kv", (uint)s.KvHeads);
        w.Add($"{a}.attention.key_length", (uint)s.HeadDim);
        w.Add($"{a}.attention.value_length", (uint)s.HeadDim);
        w.Add($"{a}.rope.dimension_count", (uint)s.HeadDim);
        w.Add($"{a}.rope.freq_base", s.RopeTheta);
        w.Add($"{a}.attention.layer_norm_rms_epsilon", s.RmsEps);
        w.Add($"{a}.vocab_size", (uint)s.Vocab);
        w.Add("tokenizer.ggml.model", "gpt2");
        w.Add("tokenizer.ggml.tokens", Enumerable.Range(0, s.Vocab).Select(i => $"<t{i}>").ToArray());
        w.Add("tokenizer.ggml.token_type", Enumerable.Repeat(1, s.Vocab).ToArray());
        w.Add("tokenizer.ggml.merges", Array.Empty<string>());
        w.Add("tokenizer.ggml.bos_token_id", 0u);
        w.Add("tokenizer.ggml.eos_token_id", 1u);

        var seeds = 0;
        void Matrix(string name, int cols, int rows) => w.AddTensor(name, GgmlType.F16, [cols, rows], Normal(cols, rows, seed + seeds++, f16: true));
        void Vector(string name, int n, float? constant = null) =>
            w.AddTensor(name, GgmlType.F32, [n], constant is { } c ? Constant(n, c) : Normal(n, 1, seed + seeds++, f16: false));

        Matrix("token_embd.weight", s.Hidden, s.Vocab);
        Vector("output_norm.weight", s.Hidden, 1f);
        if (s.Llama3RopeFactor > 0)
            w.AddTensor("rope_freqs.weight", GgmlType.F32, [s.HeadDim / 2], MemoryMarshal.AsBytes(Llama3FreqFactors(s).AsSpan()).ToArray());
        int q = s.Heads * s.HeadDim, kv = s.KvHeads * s.HeadDim;
        for (var l = 0; l < s.Layers; l++)
        {
            string N(string what) => $"blk.{l}.{what}";
            Vector(N("attn_norm.weight"), s.Hidden, 1f);
            Matrix(N("attn_q.weight"), s.Hidden, q);
            Matrix(N("attn_k.weight"), s.Hidden, kv);
            Matrix(N("attn_v.weight"), s.Hidden, kv);
            if (a == "qwen2")
            {
                Vector(N("attn_q.bias"), q);
                Vector(N("attn_k.bias"), kv);
                Vector(N("attn_v.bias"), kv);
            }
            Matrix(N("attn_output.weight"), q, s.Hidden);
            Vector(N("ffn_norm.weight"), s.Hidden, 1f);
            Matrix(N("ffn_gate.weight"), s.Hidden, s.FeedForward);
            Matrix(N("ffn_up.weight"), s.Hidden, s.FeedForward);
            Matrix(N("ffn_down.weight"), s.FeedForward, s.Hidden);
        }
        w.Write(path);
    }

    /// <summary>llama3 RoPE scaling as the GGUF converter bakes it into rope_freqs: per frequency pair, a divisor of 1
    /// (high frequencies), the factor (low), or a smooth blend between.</summary>
    private static float[] Llama3FreqFactors(SyntheticModelShape s)
    {
        const double low = 1, high = 4, original = 8192;
        double lowWavelen = original / low, highWavelen = original / high;
        var factors = new float[s.HeadDim / 2];
        for (var i = 0; i < factors.Length; i++)
        {
            var freq = 1.0 / Math.Pow(s.RopeTheta, 2.0 * i / s.HeadDim);
            var wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) factors[i] = 1;
            else if (wavelen > lowWavelen) factors[i] = s.Llama3RopeFactor;
            else
            {
                var smooth = (original / wavelen - low) / (high - low);
                factors[i] = (float)(1 / ((1 - smooth) / s.Llama3RopeFactor + smooth));
            }
        }
        return factors;
    }

    private static Action<Stream> Constant(int n, float value) => stream =>
    {
        var v = new float[n];
        Array.Fill(v, value);
        stream.Write(MemoryMarshal.AsBytes(v.AsSpan()));
    };

    /// <summary>Rows of normal(0, 0.02) values, streamed row by row so no model-sized buffer is held.</summary>
    private static Action<Stream> Normal(int cols, int rows, int seed, bool f16) => stream =>
    {
        var random = new Random(seed);
        var row = new float[cols];
        var bytes = ArrayPool<byte>.Shared.Rent(cols * 4);
        try
        {
            for (var r = 0; r < rows; r++)
            {
                for (var i = 0; i < cols; i += 2)
                {
                    // Box–Muller: two normals from two uniforms.
                    var u1 = 1.0 - random.NextDouble();
                    var u2 = random.NextDouble();
                    var radius = 0.02 * Math.Sqrt(-2 * Math.Log(u1));
                    row[i] = (float)(radius * Math.Cos(2 * Math.PI * u2));
                    if (i + 1 < cols) row[i + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2));
                }
                if (f16)
                {
                    var h = MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan(0, cols * 2));
                    for (var i = 0; i < cols; i++) h[i] = Fp16.FromFloat(row[i]);
                    stream.Write(bytes, 0, cols * 2);
                }
                else stream.Write(MemoryMarshal.AsBytes(row.AsSpan()));
            }
        }
        finally { ArrayPool<byte>.Shared.Return(bytes); }
    };
}
