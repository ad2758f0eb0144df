using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Takase.Engine.Gguf;
using Takase.Engine.Models;
using Takase.Engine.Tensors;

namespace Takase.Engine.Conversion;

/// <summary>
/// Converts a Hugging Face checkpoint folder (config.json + *.safetensors) of a llama or qwen2 model to GGUF with the
/// tensor names, layouts and metadata llama.cpp's converter uses, so the result runs in Takase and in llama.cpp.
/// When the folder has a tokenizer.json, its vocabulary, special tokens and tokenizer_config.json's chat template are
/// imported (<see cref="HfTokenizerImporter"/>); without one the GGUF carries no tokenizer.
/// </summary>
public static class HfCheckpointConverter
{
    /// <summary>Converts <paramref name="folder"/> to <paramref name="outputPath"/>, matrices stored as
    /// <paramref name="matrixType"/> (F32 or F16; vectors always F32, as llama.cpp does). <paramref name="preTokenizer"/>
    /// names the byte-level BPE pre-tokenizer when tokenizer.json's split rules are not recognised.</summary>
    public static void Convert(string folder, string outputPath, GgmlType matrixType = GgmlType.F32, string? preTokenizer = null)
    {
        if (matrixType is not (GgmlType.F32 or GgmlType.F16))
            throw new NotSupportedException($"conversion to {matrixType} is not supported; use f32 or f16 (quantize afterwards)");
        var configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{folder} has no config.json; is it a Hugging Face checkpoint folder?", configPath);
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        var modelType = (string?)config["model_type"];
        var family = Architectures.Get(modelType);
        var arch = family.Name;

        int Int(string key) => (int?)config[key] ?? throw new InvalidDataException($"{configPath}: '{key}' is missing");
        var dim = Int("hidden_size");
        var heads = Int("num_attention_heads");
        var kvHeads = (int?)config["num_key_value_heads"] ?? heads;
        var headDim = (int?)config["head_dim"] ?? dim / heads;
        var layers = Int("num_hidden_layers");
        // transformers ≥ 5 nests rope settings in rope_parameters; older configs use rope_theta and rope_scaling.
        var rope = config["rope_parameters"] as JsonObject ?? config["rope_scaling"] as JsonObject;
        var ropeTheta = (double?)rope?["rope_theta"] ?? (double?)config["rope_theta"] ?? 10000.0;

        var w = new GgufWriter();
        w.Add("general.architecture", arch);
        w.Add("general.name", Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))));
        w.Add("general.file_type", matrixType == GgmlType.F32 ? 0u : 1u);
        w.Add($"{arch}.vocab_size", (uint)Int("vocab_size"));
        w.Add($"{arch}.context_length", (uint)Int("max_position_embeddings"));
        w.Add($"{arch}.embedding_length", (uint)dim);
        w.Add($"{arch}.block_count", (uint)layers);
        w.Add($"{arch}.feed_forward_length", (uint)Int("intermediate_size"));
        w.Add($"{arch}.attention.head_count", (uint)heads);
        w.Add($"{arch}.attention.head_count_kv", (uint)kvHeads);
        w.Add($"{arch}.attention.key_length", (uint)headDim);
        w.Add($"{arch}.attention.value_length", (uint)headDim);
        w.Add($"{arch}.attention.layer_norm_rms_epsilon", (float)((double?)config["rms_norm_eps"] ?? 1e-6));
        w.Add($"{arch}.rope.freq_base", (float)ropeTheta);
        w.Add($"{arch}.rope.dimension_count", (uint)headDim);

        var ropeType = (string?)rope?["rope_type"] ?? (string?)rope?["type"];
        if (ropeType == "linear")
        {
            w.Add($"{arch}.rope.scaling.type", "linear");
            w.Add($"{arch}.rope.scaling.factor", (float)(double)rope!["factor"]!);
        }
        else if (ropeType == "llama3")
            w.AddTensor("rope_freqs.weight", GgmlType.F32, [headDim / 2], Bytes(Llama3RopeFactors(rope!, ropeTheta, headDim)));
        else if (ropeType is not (null or "default"))
            throw new NotSupportedException($"{configPath}: rope type '{ropeType}' is not supported by the converter");

        if (HfTokenizerImporter.HasTokenizer(folder))
            HfTokenizerImporter.Import(folder, Int("vocab_size"), preTokenizer).WriteTo(w);

        var files = Directory.GetFiles(folder, "*.safetensors").OrderBy(f => f, StringComparer.Ordinal).Select(f => new SafetensorsFile(f)).ToList();
        try
        {
            if (files.Count == 0) throw new FileNotFoundException($"{folder} has no .safetensors files");
            var all = files.SelectMany(f => f.Tensors.Values.Select(e => (File: f, Entry: e))).ToDictionary(t => t.Entry.Name);
            float[] Read(string name) => all.TryGetValue(name, out var t) ? t.File.ReadFloats(t.Entry)
                : throw new InvalidDataException($"{folder}: tensor {name} is missing");
            long[] GgmlShape(string name) => all[name].Entry.Shape.Reverse().ToArray();

            void Put(string hfName, string ggufName, Func<float[], float[]>? transform = null)
            {
                var data = Read(hfName);
                if (transform is not null) data = transform(data);
                var shape = GgmlShape(hfName);
                var type = shape.Length >= 2 ? matrixType : GgmlType.F32;
                w.AddTensor(ggufName, type, shape, type == GgmlType.F16 ? HalfBytes(data) : Bytes(data));
            }

            // llama.cpp's "llama" graph uses adjacent-pair RoPE while HF checkpoints use half-split RoPE: permute
            // the rows of Q and K within each head so both compute the same function (qwen2 keeps NeoX RoPE as is).
            Func<float[], float[]>? PermuteFor(int nHeads, int cols) =>
                family.Rope == RopeStyle.Normal ? data => PermuteRows(data, nHeads, headDim, cols) : null;

            Put("model.embed_tokens.weight", "token_embd.weight");
            for (var l = 0; l < layers; l++)
            {
                var p = $"model.layers.{l}.";
                var g = $"blk.{l}.";
                Put(p + "input_layernorm.weight", g + "attn_norm.weight");
                Put(p + "self_attn.q_proj.weight", g + "attn_q.weight", PermuteFor(heads, dim));
                Put(p + "self_attn.k_proj.weight", g + "attn_k.weight", PermuteFor(kvHeads, dim));
                Put(p + "self_attn.v_proj.weight", g + "attn_v.weight");
                Put(p + "self_attn.o_proj.weight", g + "attn_output.weight");
                if (family.QkvBias)
                {
                    Put(p + "self_attn.q_proj.bias", g + "attn_q.bias", PermuteFor(heads, 1));
                    Put(p + "self_attn.k_proj.bias", g + "attn_k.bias", PermuteFor(kvHeads, 1));
                    Put(p + "self_attn.v_proj.bias", g + "attn_v.bias");
                }
                Put(p + "post_attention_layernorm.weight", g + "ffn_norm.weight");
                Put(p + "mlp.gate_proj.weight", g + "ffn_gate.weight");
                Put(p + "mlp.up_proj.weight", g + "ffn_up.weight");
                Put(p + "mlp.down_proj.weight", g + "ffn_down.weight");
            }
            Put("model.norm.weight", "output_norm.weight");
            var tied = (bool?)config["tie_word_embeddings"] ?? false;
            if (!tied && all.ContainsKey("lm_head.weight")) Put("lm_head.weight", "output.weight");
            w.Write(outputPath);
        }
        finally
        {
            foreach (var f in files) f.Dispose();
        }
    }

    /// <summary>Within each head, reorders rows from [first half | second half] to interleaved pairs.</summary>
    internal static float[] PermuteRows(float[] data, int heads, int headDim, int cols)
    {
        var result = new float[data.Length];
        var half = headDim / 2;
        for (var h = 0; h < heads; h++)
            for (var j = 0; j < half; j++)
                for (var s = 0; s < 2; s++)
                {
                    var from = (h * headDim + s * half + j) * cols;
                    var to = (h * headDim + 2 * j + s) * cols;
                    Array.Copy(data, from, result, to, cols);
                }
        return result;
    }

    /// <summary>Llama 3.1's frequency-dependent RoPE scaling as per-pair divisors of the base frequencies.</summary>
    internal static float[] Llama3RopeFactors(JsonObject rope, double theta, int headDim)
    {
        var factor = (double)rope["factor"]!;
        var low = (double?)rope["low_freq_factor"] ?? 1.0;
        var high = (double?)rope["high_freq_factor"] ?? 4.0;
        var original = (double)rope["original_max_position_embeddings"]!;
        var lowWavelen = original / low;
        var highWavelen = original / high;
        var factors = new float[headDim / 2];
        for (var i = 0; i < factors.Length; i++)
        {
            var freq = 1.0 / Math.Pow(theta, 2.0 * i / headDim);
            var wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) factors[i] = 1f;
            else if (wavelen > lowWavelen) factors[i] = (float)factor;
            else
            {
                var smooth = (original / wavelen - low) / (high - low);
                factors[i] = (float)(1.0 / ((1 - smooth) / factor + smooth));
            }
        }
        return factors;
    }

    private static byte[] Bytes(float[] data) => MemoryMarshal.AsBytes(data.AsSpan()).ToArray();

    private static byte[] HalfBytes(float[] data)
    {
        var halves = new Half[data.Length];
        for (var i = 0; i < data.Length; i++) halves[i] = (Half)data[i];
        return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
    }
}
