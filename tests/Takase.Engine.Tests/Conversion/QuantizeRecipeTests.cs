using Takase.Engine.Conversion;
using Takase.Engine.Gguf;
using Takase.Engine.Tensors;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Conversion;

/// <summary>
/// The per-tensor type choices of the mixes, checked against llama.cpp's rules (src/llama-quant.cpp) on real model
/// shapes, and the quantizer end to end on small random-weight GGUFs written here.
/// </summary>
public class QuantizeRecipeTests
{
    /// <summary>A llama-style model's tensors: shapes as the real checkpoints have them (ne0 first).</summary>
    private static List<RecipeTensor> Llama(int layers, int embd, int ff, int kvDim, int vocab, bool tied)
    {
        var t = new List<RecipeTensor> { new("token_embd.weight", GgmlType.F16, [embd, vocab]), new("output_norm.weight", GgmlType.F32, [embd]) };
        if (!tied) t.Add(new("output.weight", GgmlType.F16, [embd, vocab]));
        for (var l = 0; l < layers; l++)
        {
            t.Add(new($"blk.{l}.attn_norm.weight", GgmlType.F32, [embd]));
            t.Add(new($"blk.{l}.attn_q.weight", GgmlType.F16, [embd, embd]));
            t.Add(new($"blk.{l}.attn_q.bias", GgmlType.F32, [embd]));
            t.Add(new($"blk.{l}.attn_k.weight", GgmlType.F16, [embd, kvDim]));
            t.Add(new($"blk.{l}.attn_v.weight", GgmlType.F16, [embd, kvDim]));
            t.Add(new($"blk.{l}.attn_output.weight", GgmlType.F16, [embd, embd]));
            t.Add(new($"blk.{l}.ffn_norm.weight", GgmlType.F32, [embd]));
            t.Add(new($"blk.{l}.ffn_gate.weight", GgmlType.F16, [embd, ff]));
            t.Add(new($"blk.{l}.ffn_up.weight", GgmlType.F16, [embd, ff]));
            t.Add(new($"blk.{l}.ffn_down.weight", GgmlType.F16, [ff, embd]));
        }
        return t;
    }

    private static Dictionary<string, GgmlType> Choose(string mix, RecipeModel model, List<RecipeTensor> tensors) =>
        QuantizationRecipe.Choose(QuantizationType.Parse(mix), model, tensors).ToDictionary(c => c.Name, c => c.Type);

    // use_more_bits(i, n) = i < n/8 || i >= 7n/8 || (i - n/8) % 3 == 2, written out by hand for 24 and 32 layers.
    private static readonly int[] MoreBits24 = [0, 1, 2, 5, 8, 11, 14, 17, 20, 21, 22, 23];
    private static readonly int[] MoreBits32 = [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31];

    [Fact]
    public void Q4_K_MOfQwen2_5_0_5BShapesFallsBackWhere896FillsNoKBlock()
    {
        // Qwen2.5-0.5B: 24 layers, n_embd 896 (= 3.5 × 256), ffn 4864 (= 19 × 256), 2 KV heads of 64, vocab 151936, tied.
        var model = new RecipeModel("qwen2", 24, 14, 2);
        var types = Choose("Q4_K_M", model, Llama(24, 896, 4864, 128, 151936, tied: true));

        // Tied embedding = output: wants Q6_K, but 896 % 256 != 0 → Q8_0.
        Assert.Equal(GgmlType.Q8_0, types["token_embd.weight"]);
        Assert.Equal(GgmlType.F32, types["output_norm.weight"]);
        for (var l = 0; l < 24; l++)
        {
            var more = MoreBits24.Contains(l);
            // attn_v: Q6_K on use_more_bits layers, else Q4_K; rows of 896 → Q6_K falls back to Q8_0, Q4_K to Q5_0.
            Assert.Equal(more ? GgmlType.Q8_0 : GgmlType.Q5_0, types[$"blk.{l}.attn_v.weight"]);
            // ffn_down rows are 4864 wide, a multiple of 256: the K types stay.
            Assert.Equal(more ? GgmlType.Q6_K : GgmlType.Q4_K, types[$"blk.{l}.ffn_down.weight"]);
            foreach (var m in new[] { "attn_q", "attn_k", "attn_output", "ffn_gate", "ffn_up" })
                Assert.Equal(GgmlType.Q5_0, types[$"blk.{l}.{m}.weight"]);
            Assert.Equal(GgmlType.F32, types[$"blk.{l}.attn_q.bias"]);
            Assert.Equal(GgmlType.F32, types[$"blk.{l}.ffn_norm.weight"]);
        }
    }

    [Fact]
    public void KMixesOfLlama2_7BShapesKeepKTypes()
    {
        // Llama-2-7B: 32 layers, n_embd 4096, ffn 11008 (= 43 × 256), MHA, vocab 32000, separate output matrix.
        var model = new RecipeModel("llama", 32, 32, 32);
        var tensors = Llama(32, 4096, 11008, 4096, 32000, tied: false);

        var m = Choose("Q4_K_M", model, tensors);
        Assert.Equal(GgmlType.Q6_K, m["output.weight"]);     // output: Q6_K unless the mix is Q8_0
        Assert.Equal(GgmlType.Q4_K, m["token_embd.weight"]); // untied: the base type
        for (var l = 0; l < 32; l++)
        {
            var more = MoreBits32.Contains(l);
            Assert.Equal(more ? GgmlType.Q6_K : GgmlType.Q4_K, m[$"blk.{l}.attn_v.weight"]);
            Assert.Equal(more ? GgmlType.Q6_K : GgmlType.Q4_K, m[$"blk.{l}.ffn_down.weight"]);
            Assert.Equal(GgmlType.Q4_K, m[$"blk.{l}.attn_q.weight"]);
            Assert.Equal(GgmlType.Q4_K, m[$"blk.{l}.ffn_up.weight"]);
        }

        var s = Choose("Q4_K_S", model, tensors);
        for (var l = 0; l < 32; l++)
        {
            Assert.Equal(l < 4 ? GgmlType.Q5_K : GgmlType.Q4_K, s[$"blk.{l}.attn_v.weight"]);   // the first 4 attn_v
            Assert.Equal(l < 4 ? GgmlType.Q5_K : GgmlType.Q4_K, s[$"blk.{l}.ffn_down.weight"]); // layers < n/8
        }

        var q3m = Choose("Q3_K_M", model, tensors);
        Assert.Equal(GgmlType.Q5_K, q3m["blk.1.attn_v.weight"]);      // the first 2 attn_v
        Assert.Equal(GgmlType.Q4_K, q3m["blk.2.attn_v.weight"]);
        Assert.Equal(GgmlType.Q5_K, q3m["blk.1.ffn_down.weight"]);    // layers < n/16
        Assert.Equal(GgmlType.Q4_K, q3m["blk.2.ffn_down.weight"]);    // non-falcon: Q4_K
        Assert.Equal(GgmlType.Q4_K, q3m["blk.9.attn_output.weight"]);
        Assert.Equal(GgmlType.Q3_K, q3m["blk.9.attn_q.weight"]);

        var q2 = Choose("Q2_K", model, tensors);
        Assert.Equal(GgmlType.Q3_K, q2["blk.5.attn_v.weight"]);       // GQA factor 1 < 4
        Assert.Equal(GgmlType.Q3_K, q2["blk.5.ffn_down.weight"]);
        Assert.Equal(GgmlType.Q3_K, q2["blk.5.attn_output.weight"]);
        Assert.Equal(GgmlType.Q2_K, q2["blk.5.ffn_gate.weight"]);
        Assert.Equal(GgmlType.Q4_K, Choose("Q2_K", model with { HeadCountKv = 8 }, tensors)["blk.5.attn_v.weight"]); // GQA 4

        var q8 = Choose("Q8_0", model, tensors);
        Assert.Equal(GgmlType.Q8_0, q8["output.weight"]);
        Assert.All(q8.Where(kv => kv.Key.EndsWith("ffn_down.weight")), kv => Assert.Equal(GgmlType.Q8_0, kv.Value));
    }

    [Fact]
    public void UnknownTypeNamesListTheValidOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => QuantizationType.Parse("Q4_K_X"));
        Assert.Contains("Q4_K_X", e.Message);
        Assert.Contains("Q4_K_M, Q5_K_S", e.Message);
        Assert.Equal(15u, QuantizationType.Parse("q4_k_m").FileType);
    }

    /// <summary>Writes a random-weight llama GGUF (F16 matrices, F32 vectors).</summary>
    private static void WriteRandomModel(string path, int layers, int embd, int ff, int heads, int kvHeads, int vocab, bool tied)
    {
        var rng = new Random(11);
        var w = new GgufWriter();
        w.Add("general.architecture", "llama");
        w.Add("general.file_type", 1u);
        w.Add("llama.block_count", (uint)layers);
        w.Add("llama.embedding_length", (uint)embd);
        w.Add("llama.feed_forward_length", (uint)ff);
        w.Add("llama.attention.head_count", (uint)heads);
        w.Add("llama.attention.head_count_kv", (uint)kvHeads);
        w.Add("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        foreach (var t in Llama(layers, embd, ff, embd / heads * kvHeads, vocab, tied))
        {
            var n = (int)t.Shape.Aggregate(1L, (a, b) => a * b);
            var bytes = new byte[n * (t.Type == GgmlType.F16 ? 2 : 4)];
            for (var i = 0; i < n; i++)
            {
                var v = (rng.NextSingle() - 0.5f) * 0.2f;
                if (t.Type == GgmlType.F16) BitConverter.TryWriteBytes(bytes.AsSpan(i * 2), (Half)v);
                else BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), v);
            }
            w.AddTensor(t.Name, t.Type, t.Shape, bytes);
        }
        w.Write(path);
    }

    [Fact]
    public void ASmallQwenWidthModelQuantizesWithTheFallbacksAndStaysCloseToItsWeights()
    {
        using var dir = new TempDir();
        var input = dir.File("qwen-like-f16.gguf");
        // n_embd 896 as Qwen2.5-0.5B, 2 layers, ffn 512 (a multiple of 256), vocab 64, tied.
        WriteRandomModel(input, layers: 2, embd: 896, ff: 512, heads: 14, kvHeads: 2, vocab: 64, tied: true);
        var output = dir.File("qwen-like-q4_k_m.gguf");
        var report = ModelQuantizer.Quantize(input, output, "Q4_K_M");
        var types = report.Tensors.ToDictionary(t => t.Name, t => t.To);

        // use_more_bits(i, 2): 7·2/8 = 1, so layer 1 gets more bits and layer 0 does not.
        Assert.Equal(GgmlType.Q8_0, types["token_embd.weight"]);      // tied output, 896 % 256 != 0
        Assert.Equal(GgmlType.Q5_0, types["blk.0.attn_v.weight"]);    // Q4_K → Q5_0
        Assert.Equal(GgmlType.Q8_0, types["blk.1.attn_v.weight"]);    // Q6_K → Q8_0
        Assert.Equal(GgmlType.Q4_K, types["blk.0.ffn_down.weight"]);  // rows of 512 fit K blocks
        Assert.Equal(GgmlType.Q6_K, types["blk.1.ffn_down.weight"]);
        Assert.Equal(GgmlType.Q5_0, types["blk.0.ffn_up.weight"]);
        Assert.Contains(report.Warnings, w => w.Contains("fallback"));
        Assert.Contains("896 columns are not a multiple of 256", report.Tensors.Single(t => t.Name == "blk.0.attn_q.weight").Fallback);

        // Each tensor dequantizes to within about one quantization step of the F16 weights (|w| ≤ 0.1, so a block's
        // range is ≤ 0.2): Q8_0 0.1/127, Q6_K 0.2/63, Q5_0 0.1/16 (the clamped end is off by a whole step), Q4_K 0.2/15.
        using var a = GgufFile.Open(input);
        using var b = GgufFile.Open(output);
        foreach (var t in b.Tensors)
        {
            var source = a.GetTensor(t.Name);
            var x = Dequantize(a, source);
            var y = Dequantize(b, t);
            var maxError = x.Zip(y, (p, q) => Math.Abs(p - q)).Max();
            var bound = t.Type switch
            {
                GgmlType.Q8_0 => 0.001f,
                GgmlType.Q6_K => 0.004f,
                GgmlType.Q5_0 => 0.007f,
                GgmlType.Q4_K => 0.015f,
                _ => 0f, // F32 vectors are copied
            };
            Assert.True(maxError <= bound, $"{t.Name} ({t.Type}): max error {maxError} > {bound}");
        }
        Assert.True(report.OutputBytes < report.InputBytes * 0.45, $"{report.OutputBytes} bytes from {report.InputBytes}");
    }

    [Fact]
    public void An256MultipleModelGetsQ4_KAndQ6_KAndASeparateOutputGetsQ6_K()
    {
        using var dir = new TempDir();
        var input = dir.File("k-f16.gguf");
        WriteRandomModel(input, layers: 2, embd: 256, ff: 512, heads: 4, kvHeads: 4, vocab: 32, tied: false);
        var report = ModelQuantizer.Quantize(input, dir.File("k-q4_k_m.gguf"), "Q4_K_M");
        var types = report.Tensors.ToDictionary(t => t.Name, t => t.To);
        Assert.Equal(GgmlType.Q6_K, types["output.weight"]);
        Assert.Equal(GgmlType.Q4_K, types["token_embd.weight"]);
        Assert.Equal(GgmlType.Q4_K, types["blk.0.attn_v.weight"]);
        Assert.Equal(GgmlType.Q6_K, types["blk.1.attn_v.weight"]);
        Assert.Equal(GgmlType.Q4_K, types["blk.0.attn_q.weight"]);
        Assert.Equal(GgmlType.Q6_K, types["blk.1.ffn_down.weight"]);
        Assert.All(report.Tensors, t => Assert.Null(t.Fallback));
        Assert.Empty(report.Warnings);
    }

    [Fact]
    public void BadInputFailsClearlyAndWritesNothing()
    {
        using var dir = new TempDir();
        var notGguf = dir.File("notes.txt");
        File.WriteAllText(notGguf, "this is not a model, just some text long enough");
        var output = dir.File("out.gguf");
        var e = Assert.Throws<GgufFormatException>(() => ModelQuantizer.Quantize(notGguf, output, "Q4_0"));
        Assert.Contains("not a valid GGUF file", e.Message);
        Assert.Throws<ArgumentException>(() => ModelQuantizer.Quantize(notGguf, output, "Q4"));
        Assert.Throws<ArgumentException>(() => ModelQuantizer.Quantize(notGguf, notGguf, "Q4_0"));

        // Cancelled half way: no output and no temp file left beside it.
        var model = dir.File("m.gguf");
        WriteRandomModel(model, layers: 2, embd: 256, ff: 256, heads: 4, kvHeads: 4, vocab: 32, tied: true);
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            ModelQuantizer.Quantize(model, output, "Q8_0", t => { if (t.Index == 3) cancel.Cancel(); }, cancel.Token));
        Assert.Equal(["m.gguf", "notes.txt"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order());
    }

    private static float[] Dequantize(GgufFile file, GgufTensorInfo t)
    {
        var values = new float[t.ElementCount];
        TensorTypes.Get(t.Type).RequireDequantize()(file.TensorBytes(t), values);
        return values;
    }
}
