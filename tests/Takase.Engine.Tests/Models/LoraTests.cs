using System.Runtime.InteropServices;
using Takase.Engine.Gguf;
using Takase.Engine.Models;
using Takase.Engine.Tensors;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Models;

/// <summary>
/// LoRA adapters on stories260K. The reference is a different code path: the test merges W' = W + scale·B·A into an
/// F32 copy of the model with plain loops, and base+adapter must then behave like the merged model.
/// </summary>
public class LoraTests
{
    private const string Stories = "models/stories260K.gguf";
    private const int Rank = 4;
    private const float Alpha = 8f; // scale = user scale · 8 / 4

    private static readonly int[] Prompt = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426];
    private static readonly string[] Targets = ["blk.0.attn_q.weight", "blk.1.attn_v.weight", "blk.2.ffn_up.weight", "blk.3.ffn_down.weight", "blk.4.attn_output.weight", "blk.4.ffn_gate.weight"];

    [Theory]
    [InlineData(GgmlType.F32)]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.BF16)]
    public void AdapterMatchesTheMergedModel(GgmlType type)
    {
        using var dir = new TempDir();
        var basePath = SharedData.Path(Stories);
        var adapter = AdapterFile.Random(basePath, Targets, seed: 1, type);
        adapter.Write(dir.File("a.gguf"));
        WriteMerged(basePath, dir.File("merged.gguf"), [(adapter, 1f)]);

        using var withAdapter = TransformerModel.Load(basePath, [new AdapterSpec(dir.File("a.gguf"))]);
        using var merged = TransformerModel.Load(dir.File("merged.gguf"));
        using var plain = TransformerModel.Load(basePath);
        AssertSameLogits(merged, withAdapter);
        AssertSameGreedy(merged, withAdapter);
        AssertAdapterMatters(plain, withAdapter);
    }

    [Fact]
    public void Q8_0HalvesAreDequantizedAtLoad()
    {
        using var dir = new TempDir();
        var basePath = SharedData.Path(Stories);
        // lora_a rows are n_in = 64 long (two Q8_0 blocks); lora_b rows are rank = 4 long, not a whole block, so B stays F32.
        var adapter = AdapterFile.Random(basePath, ["blk.0.attn_q.weight", "blk.2.ffn_up.weight", "blk.4.attn_v.weight"], seed: 13, GgmlType.F32, typeA: GgmlType.Q8_0);
        adapter.Write(dir.File("a.gguf"));
        WriteMerged(basePath, dir.File("merged.gguf"), [(adapter, 1f)]);

        using var withAdapter = TransformerModel.Load(basePath, [new AdapterSpec(dir.File("a.gguf"))]);
        using var merged = TransformerModel.Load(dir.File("merged.gguf"));
        using var plain = TransformerModel.Load(basePath);
        AssertSameLogits(merged, withAdapter);
        AssertSameGreedy(merged, withAdapter);
        AssertAdapterMatters(plain, withAdapter);
    }

    [Fact]
    public void TwoAdaptersStackWithTheirOwnScales()
    {
        using var dir = new TempDir();
        var basePath = SharedData.Path(Stories);
        var first = AdapterFile.Random(basePath, ["blk.0.attn_q.weight", "blk.1.attn_v.weight", "blk.2.ffn_up.weight"], seed: 2, GgmlType.F32);
        var second = AdapterFile.Random(basePath, ["blk.0.attn_q.weight", "blk.3.attn_k.weight"], seed: 3, GgmlType.F16, alpha: 0f);
        first.Write(dir.File("first.gguf"));
        second.Write(dir.File("second.gguf"));
        WriteMerged(basePath, dir.File("merged.gguf"), [(first, 0.5f), (second, 0.7f)]);

        using var lm = LanguageModel.Load(basePath, [new AdapterSpec(dir.File("first.gguf"), 0.5f), new AdapterSpec(dir.File("second.gguf"), 0.7f)]);
        using var merged = TransformerModel.Load(dir.File("merged.gguf"));
        Assert.Equal(2, lm.Model.Adapters.Count);
        AssertSameLogits(merged, lm.Model);
        AssertSameGreedy(merged, lm.Model);
    }

    [Fact]
    public void QuantizedBaseTakesAnF32Adapter()
    {
        using var dir = new TempDir();
        var basePath = SharedData.Path("models/stories260K-Q8_0.gguf");
        var adapter = AdapterFile.Random(basePath, Targets, seed: 4, GgmlType.F32);
        adapter.Write(dir.File("a.gguf"));
        WriteMerged(basePath, dir.File("merged.gguf"), [(adapter, 1f)]);

        using var withAdapter = TransformerModel.Load(basePath, [new AdapterSpec(dir.File("a.gguf"))]);
        using var merged = TransformerModel.Load(dir.File("merged.gguf"));
        using var plain = TransformerModel.Load(basePath);
        // The Q8_0 base multiplies 8-bit activations (as llama.cpp does) while the all-F32 merged copy multiplies floats.
        // So the bound is what that alone costs: twice the distance of the plain base from its own F32 copy, over the
        // prompt followed by the merged model's greedy tokens (fed to both, so a near-tie flipped by that rounding
        // cannot send the two down different paths).
        WriteMerged(basePath, dir.File("plain-f32.gguf"), []);
        using var plainF32 = TransformerModel.Load(dir.File("plain-f32.gguf"));
        var tokens = Prompt[..4].Concat(Greedy(merged, 32)).ToArray();
        var quantizationError = Logits(plain, tokens).Zip(Logits(plainF32, tokens), (a, b) => a.Zip(b, (x, y) => MathF.Abs(x - y)).Max()).ToArray();
        AssertSameLogits(merged, withAdapter, tokens, quantizationError.Select(e => 2 * e).ToArray());
        AssertAdapterMatters(plain, withAdapter);
    }

    [Fact]
    public void TokenEmbeddingAdapterChangesTheLookupNotTheTiedClassifier()
    {
        using var dir = new TempDir();
        var basePath = SharedData.Path(Stories);
        var adapter = AdapterFile.Random(basePath, ["token_embd.weight", "blk.0.attn_q.weight"], seed: 5, GgmlType.F32);
        adapter.Write(dir.File("a.gguf"));
        // The merged copy gets its own output.weight = the original table, so only the lookup sees the update.
        WriteMerged(basePath, dir.File("merged.gguf"), [(adapter, 1f)], untiedClassifier: true);

        using var withAdapter = TransformerModel.Load(basePath, [new AdapterSpec(dir.File("a.gguf"))]);
        using var merged = TransformerModel.Load(dir.File("merged.gguf"));
        AssertSameLogits(merged, withAdapter);
        AssertSameGreedy(merged, withAdapter);
    }

    [Fact]
    public void ScaleZeroIsTheBaseModel()
    {
        using var dir = new TempDir();
        var basePath = SharedData.Path(Stories);
        AdapterFile.Random(basePath, Targets, seed: 6, GgmlType.F32).Write(dir.File("a.gguf"));
        using var off = TransformerModel.Load(basePath, [new AdapterSpec(dir.File("a.gguf"), 0f)]);
        using var plain = TransformerModel.Load(basePath);
        var expected = Logits(plain);
        var actual = Logits(off);
        for (var t = 0; t < expected.Length; t++) Assert.Equal(expected[t], actual[t]);
    }

    [Fact]
    public void AdapterForAnotherArchitectureIsRefused()
    {
        using var dir = new TempDir();
        var basePath = SharedData.Path(Stories);
        var adapter = AdapterFile.Random(basePath, Targets, seed: 7, GgmlType.F32);
        adapter.Metadata["general.architecture"] = new GgufValue(GgufValueType.String, "qwen2");
        adapter.Write(dir.File("a.gguf"));
        var e = Assert.Throws<GgufFormatException>(() => TransformerModel.Load(basePath, [new AdapterSpec(dir.File("a.gguf"))]));
        Assert.Contains("'qwen2'", e.Message);
        Assert.Contains("'llama'", e.Message);
        Assert.Contains("a.gguf", e.Message);
    }

    [Fact]
    public void TensorTheBaseLacksIsNamed()
    {
        using var dir = new TempDir();
        var basePath = SharedData.Path(Stories);
        var adapter = AdapterFile.Random(basePath, ["blk.0.attn_q.weight"], seed: 8, GgmlType.F32);
        adapter.Tensors.Add(("blk.9.attn_q.weight.lora_a", [64, Rank], new float[64 * Rank]));
        adapter.Tensors.Add(("blk.9.attn_q.weight.lora_b", [Rank, 64], new float[64 * Rank]));
        adapter.Write(dir.File("a.gguf"));
        var e = Assert.Throws<GgufFormatException>(() => TransformerModel.Load(basePath, [new AdapterSpec(dir.File("a.gguf"))]));
        Assert.Contains("'blk.9.attn_q.weight'", e.Message);
        Assert.Contains("does not have", e.Message);
    }

    [Fact]
    public void ShapeThatDisagreesWithTheBaseNamesTensorAndBothShapes()
    {
        using var dir = new TempDir();
        var basePath = SharedData.Path(Stories);
        var adapter = AdapterFile.Random(basePath, [], seed: 9, GgmlType.F32);
        // ffn_up is [64, 172]; this pair would fit a [32, 172] matrix.
        adapter.Tensors.Add(("blk.2.ffn_up.weight.lora_a", [32, Rank], new float[32 * Rank]));
        adapter.Tensors.Add(("blk.2.ffn_up.weight.lora_b", [Rank, 172], new float[172 * Rank]));
        adapter.Write(dir.File("a.gguf"));
        var e = Assert.Throws<GgufFormatException>(() => TransformerModel.Load(basePath, [new AdapterSpec(dir.File("a.gguf"))]));
        Assert.Contains("'blk.2.ffn_up.weight'", e.Message);
        Assert.Contains("[64, 172]", e.Message);
        Assert.Contains("lora_a is [32, 4]", e.Message);
        Assert.Contains("lora_b is [4, 172]", e.Message);
    }

    [Fact]
    public void ModelFileIsNotAnAdapter()
    {
        var basePath = SharedData.Path(Stories);
        var e = Assert.Throws<GgufFormatException>(() => TransformerModel.Load(basePath, [new AdapterSpec(basePath)]));
        Assert.Contains("not an adapter", e.Message);
        Assert.Contains("general.type", e.Message);
    }

    [Fact]
    public void PairWithOneHalfMissingIsNamed()
    {
        using var dir = new TempDir();
        var basePath = SharedData.Path(Stories);
        var adapter = AdapterFile.Random(basePath, ["blk.0.attn_q.weight"], seed: 10, GgmlType.F32);
        adapter.Tensors.RemoveAll(t => t.Name == "blk.0.attn_q.weight.lora_b");
        adapter.Write(dir.File("a.gguf"));
        var e = Assert.Throws<GgufFormatException>(() => LoraAdapter.Load(dir.File("a.gguf")));
        Assert.Contains("blk.0.attn_q.weight.lora_b", e.Message);
    }

    [Fact]
    public void AdapterOnAVectorIsRefusedNotDropped()
    {
        using var dir = new TempDir();
        var basePath = SharedData.Path(Stories);
        var adapter = AdapterFile.Random(basePath, [], seed: 11, GgmlType.F32);
        adapter.Tensors.Add(("blk.0.attn_norm.weight.lora_a", [64, Rank], new float[64 * Rank]));
        adapter.Tensors.Add(("blk.0.attn_norm.weight.lora_b", [Rank, 1], new float[Rank]));
        adapter.Write(dir.File("a.gguf"));
        var e = Assert.Throws<NotSupportedException>(() => TransformerModel.Load(basePath, [new AdapterSpec(dir.File("a.gguf"))]));
        Assert.Contains("'blk.0.attn_norm.weight'", e.Message);
    }

    [Fact]
    public void AdapterReportsAlphaAndScalesByRank()
    {
        using var dir = new TempDir();
        AdapterFile.Random(SharedData.Path(Stories), ["blk.0.attn_q.weight"], seed: 12, GgmlType.F32).Write(dir.File("a.gguf"));
        var adapter = LoraAdapter.Load(dir.File("a.gguf"));
        var pair = Assert.Single(adapter.Pairs.Values);
        Assert.Equal(("llama", Alpha, Rank), (adapter.Architecture, adapter.Alpha, pair.Rank));
        Assert.Equal(0.5f * Alpha / Rank, adapter.ScaleFor(pair, 0.5f));
    }

    // ---- comparisons ----

    private static float[][] Logits(TransformerModel m, int[]? tokens = null)
    {
        var state = m.CreateState(m.CreateCache(64));
        return (tokens ?? Prompt).Select(t => m.Forward(state, t).ToArray()).ToArray();
    }

    /// <summary>Every position's logits agree within 1e-4 of that position's logit range, plus that position's
    /// <paramref name="extraTolerance"/> where one side computes with quantized activations.</summary>
    private static void AssertSameLogits(TransformerModel expected, TransformerModel actual, int[]? tokens = null, float[]? extraTolerance = null)
    {
        var e = Logits(expected, tokens);
        var a = Logits(actual, tokens);
        for (var t = 0; t < e.Length; t++)
        {
            var tolerance = 1e-4f * (e[t].Max() - e[t].Min()) + (extraTolerance?[t] ?? 0);
            for (var i = 0; i < e[t].Length; i++)
                Assert.True(MathF.Abs(e[t][i] - a[t][i]) <= tolerance, $"position {t}, logit {i}: merged {e[t][i]}, adapter {a[t][i]} (tolerance {tolerance})");
        }
    }

    private static void AssertSameGreedy(TransformerModel expected, TransformerModel actual) =>
        Assert.Equal(Greedy(expected, 32), Greedy(actual, 32));

    /// <summary>Guards against a vacuous pass: the adapter must move the logits well beyond the tolerance.</summary>
    private static void AssertAdapterMatters(TransformerModel plain, TransformerModel adapted)
    {
        var p = Logits(plain);
        var a = Logits(adapted);
        var range = p[^1].Max() - p[^1].Min();
        var largest = p.Zip(a).Max(x => x.First.Zip(x.Second).Max(y => MathF.Abs(y.First - y.Second)));
        Assert.True(largest > 1e-2f * range, $"the adapter changed logits by at most {largest} (range {range}); the test would not notice it being ignored");
    }

    private static int[] Greedy(TransformerModel m, int steps)
    {
        var state = m.CreateState(m.CreateCache(64));
        var logits = Span<float>.Empty;
        for (var i = 0; i < 4; i++) logits = m.Forward(state, Prompt[i]); // BOS "Once upon a time"
        var tokens = new int[steps];
        for (var s = 0; s < steps; s++)
        {
            var best = 0;
            for (var i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
            tokens[s] = best;
            logits = m.Forward(state, best);
        }
        return tokens;
    }

    // ---- the independent reference: merge B·A into an F32 copy of the base ----

    /// <summary>
    /// Writes <paramref name="basePath"/> with every tensor dequantized to F32 and each adapter's update merged in:
    /// W[o, i] += s·Σr B[o, r]·A[r, i] for projections, E[t, i] += s·Σr A[t, r]·B[i, r] for the token embedding.
    /// </summary>
    private static void WriteMerged(string basePath, string path, (AdapterFile Adapter, float Scale)[] adapters, bool untiedClassifier = false)
    {
        using var src = GgufFile.Open(basePath);
        var w = new GgufWriter();
        foreach (var key in src.MetadataKeys) w.Add(key, src.Metadata[key]);
        w.Add("general.file_type", 0u);
        foreach (var t in src.Tensors)
        {
            var values = Dequantized(src, t);
            if (untiedClassifier && t.Name == "token_embd.weight")
                w.AddTensor("output.weight", GgmlType.F32, t.Shape, Bytes((float[])values.Clone()));
            int cols = (int)t.Shape[0], rows = t.Shape.Length > 1 ? (int)t.Shape[1] : 1;
            foreach (var (adapter, userScale) in adapters)
            {
                if (!adapter.Pairs.TryGetValue(t.Name, out var pair)) continue;
                var s = adapter.Alpha != 0 ? userScale * adapter.Alpha / Rank : userScale;
                for (var o = 0; o < rows; o++)
                    for (var i = 0; i < cols; i++)
                    {
                        double sum = 0;
                        for (var r = 0; r < Rank; r++)
                            sum += t.Name == "token_embd.weight"
                                ? pair.A[o * Rank + r] * pair.B[i * Rank + r]
                                : pair.B[o * Rank + r] * pair.A[r * cols + i];
                        values[o * cols + i] += (float)(s * sum);
                    }
            }
            w.AddTensor(t.Name, GgmlType.F32, t.Shape, Bytes(values));
        }
        w.Write(path);
    }

    private static float[] Dequantized(GgufFile file, GgufTensorInfo t)
    {
        var type = TensorTypes.Get(t.Type);
        var cols = (int)t.Shape[0];
        var rows = (int)(t.ElementCount / cols);
        var rowBytes = (int)type.RowBytes(cols);
        var values = new float[t.ElementCount];
        var bytes = file.TensorBytes(t);
        for (var r = 0; r < rows; r++) type.RequireDequantize()(bytes.Slice(r * rowBytes, rowBytes), values.AsSpan(r * cols, cols));
        return values;
    }

    private static byte[] Bytes(float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    /// <summary>An adapter GGUF under construction, laid out as convert_lora_to_gguf.py writes one.</summary>
    private sealed class AdapterFile
    {
        public Dictionary<string, GgufValue> Metadata { get; } = [];
        public List<(string Name, long[] Shape, float[] Values)> Tensors { get; } = [];
        /// <summary>Per base tensor, A and B as the file holds them after rounding to its type.</summary>
        public Dictionary<string, (float[] A, float[] B)> Pairs { get; } = [];
        public float Alpha { get; private init; }
        private GgmlType Type { get; init; }
        private GgmlType TypeA { get; init; }

        /// <summary>Random A and B of rank 4 for each target; values rounded to <paramref name="type"/> as stored.</summary>
        public static AdapterFile Random(string basePath, string[] targets, int seed, GgmlType type, float alpha = LoraTests.Alpha, GgmlType? typeA = null)
        {
            var f = new AdapterFile { Alpha = alpha, Type = type, TypeA = typeA ?? type };
            f.Metadata["general.architecture"] = new GgufValue(GgufValueType.String, "llama");
            f.Metadata["general.type"] = new GgufValue(GgufValueType.String, "adapter");
            f.Metadata["adapter.type"] = new GgufValue(GgufValueType.String, "lora");
            f.Metadata["adapter.lora.alpha"] = new GgufValue(GgufValueType.Float32, alpha);
            var rng = new Random(seed);
            using var model = GgufFile.Open(basePath);
            foreach (var name in targets)
            {
                var shape = model.GetTensor(name).Shape;
                long nIn = shape[0], nOut = shape[1];
                float[] a, b;
                long[] shapeA, shapeB;
                if (name == "token_embd.weight")
                {
                    // Looked-up tensors flip the halves: A ne = [rank, n_vocab], B ne = [rank, n_embd].
                    (shapeA, shapeB) = ([Rank, nOut], [Rank, nIn]);
                    a = Round(Uniform(rng, nOut * Rank, 0.5f), f.TypeA, Rank);
                    b = Round(Uniform(rng, nIn * Rank, 0.1f), f.Type, Rank);
                }
                else
                {
                    (shapeA, shapeB) = ([nIn, Rank], [Rank, nOut]);
                    a = Round(Uniform(rng, Rank * nIn, 1f / MathF.Sqrt(nIn)), f.TypeA, (int)nIn);
                    b = Round(Uniform(rng, nOut * Rank, 0.1f), f.Type, Rank);
                }
                f.Pairs[name] = (a, b);
                f.Tensors.Add(($"{name}.lora_a", shapeA, a));
                f.Tensors.Add(($"{name}.lora_b", shapeB, b));
            }
            return f;
        }

        public void Write(string path)
        {
            var w = new GgufWriter();
            foreach (var (key, value) in Metadata) w.Add(key, value);
            foreach (var (name, shape, values) in Tensors)
            {
                var type = name.EndsWith(".lora_a", StringComparison.Ordinal) ? TypeA : Type;
                w.AddTensor(name, type, shape, Encode(values, type, (int)shape[0]));
            }
            w.Write(path);
        }

        /// <summary>The values as the file will give them back: rounded through <paramref name="type"/>.</summary>
        private static float[] Round(float[] values, GgmlType type, int cols) => type switch
        {
            GgmlType.F32 => values,
            GgmlType.F16 => values.Select(v => Fp16.ToFloat(Fp16.FromFloat(v))).ToArray(),
            GgmlType.BF16 => values.Select(v => Bf16.ToFloat(Bf16.FromFloat(v))).ToArray(),
            _ => Decode(Encode(values, type, cols), type, cols, values.Length),
        };

        private static byte[] Encode(float[] values, GgmlType type, int cols)
        {
            switch (type)
            {
                case GgmlType.F32: return Bytes(values);
                case GgmlType.F16: return MemoryMarshal.AsBytes(values.Select(Fp16.FromFloat).ToArray().AsSpan()).ToArray();
                case GgmlType.BF16: return MemoryMarshal.AsBytes(values.Select(Bf16.FromFloat).ToArray().AsSpan()).ToArray();
            }
            var info = TensorTypes.Get(type);
            var rowBytes = (int)info.RowBytes(cols);
            var bytes = new byte[values.Length / cols * rowBytes];
            for (var r = 0; r < values.Length / cols; r++)
                info.RequireQuantize()(values.AsSpan(r * cols, cols), bytes.AsSpan(r * rowBytes, rowBytes));
            return bytes;
        }

        private static float[] Decode(byte[] bytes, GgmlType type, int cols, int count)
        {
            var info = TensorTypes.Get(type);
            var rowBytes = (int)info.RowBytes(cols);
            var values = new float[count];
            for (var r = 0; r < count / cols; r++)
                info.RequireDequantize()(bytes.AsSpan(r * rowBytes, rowBytes), values.AsSpan(r * cols, cols));
            return values;
        }

        private static float[] Uniform(Random rng, long count, float amplitude) =>
            Enumerable.Range(0, (int)count).Select(_ => (float)(rng.NextDouble() * 2 - 1) * amplitude).ToArray();
    }
}
