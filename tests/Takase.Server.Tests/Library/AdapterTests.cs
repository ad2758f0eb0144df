using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Takase.Engine;
using Takase.Engine.Generation;
using Takase.Engine.Gguf;
using Takase.Engine.Models;
using Takase.Engine.Sampling;
using Takase.Engine.Tensors;
using Takase.Server.Tests.Support;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Library;

/// <summary>A Modelfile's ADAPTER (a LoRA GGUF) is stored as a layer and applied when the server loads the model.</summary>
[Collection("server")]
public class AdapterTests(LiveServer server)
{
    private static readonly object Greedy = new { temperature = 0, repeat_penalty = 1, num_predict = 16 };

    [Fact]
    public async Task AnAdapterLayerChangesTheAnswerExactlyAsTheEngineAppliesIt()
    {
        server.RequireModels();
        using var dir = new TempDir();
        var basePath = SharedData.Path("models/stories260K.gguf");
        var adapter = Path.Combine(dir.Path, "story-lora.gguf");
        WriteRandomAdapter(basePath, adapter, "llama");

        var create = await server.Http.PostAsJsonAsync("/api/create", new { model = "story-lora", modelfile = $"FROM {basePath}\nADAPTER {adapter}\n", stream = false }, TestContext.Current.CancellationToken);
        Assert.True(create.IsSuccessStatusCode, await create.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        var adapted = await Answer("story-lora");
        Assert.NotEqual(await Answer("stories260K"), adapted);

        // The same base and adapter run in-process by the engine give the same greedy text.
        using var lm = LanguageModel.Load(basePath, [new AdapterSpec(adapter)]);
        var generator = new Generator(lm.Model, lm.Tokenizer);
        var expected = string.Concat(generator.Generate(lm.Tokenizer.Encode("Once upon a time", addSpecial: true),
            new GenerationOptions { Sampling = new SamplingOptions { Temperature = 0, RepeatPenalty = 1 }, MaxTokens = 16 }, TestContext.Current.CancellationToken));
        Assert.Equal(expected, adapted);
    }

    [Fact]
    public async Task AnAdapterForAnotherArchitectureIsRefusedAtCreate()
    {
        server.RequireModels();
        using var dir = new TempDir();
        var basePath = SharedData.Path("models/stories260K.gguf");
        var adapter = Path.Combine(dir.Path, "qwen-lora.gguf");
        WriteRandomAdapter(basePath, adapter, "qwen2");
        var create = await server.Http.PostAsJsonAsync("/api/create", new { model = "wrong-lora", modelfile = $"FROM {basePath}\nADAPTER {adapter}\n", stream = false }, TestContext.Current.CancellationToken);
        var body = await create.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        Assert.Contains("qwen2", body);
        Assert.DoesNotContain("wrong-lora", await server.Http.GetStringAsync("/api/tags", TestContext.Current.CancellationToken));
    }

    private async Task<string> Answer(string model)
    {
        var r = await server.Http.PostAsJsonAsync("/api/generate", new { model, prompt = "Once upon a time", raw = true, stream = false, options = Greedy }, TestContext.Current.CancellationToken);
        var text = await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(r.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("response").GetString()!;
    }

    /// <summary>A rank-4 F32 LoRA on two attention matrices, laid out as llama.cpp's convert_lora_to_gguf.py writes one.</summary>
    private static void WriteRandomAdapter(string basePath, string path, string architecture)
    {
        const int rank = 4;
        var rng = new Random(7);
        using var model = GgufFile.Open(basePath);
        var w = new GgufWriter();
        w.Add("general.architecture", architecture);
        w.Add("general.type", "adapter");
        w.Add("adapter.type", "lora");
        w.Add("adapter.lora.alpha", new GgufValue(GgufValueType.Float32, 8f));
        foreach (var name in new[] { "blk.0.attn_q.weight", "blk.1.attn_v.weight" })
        {
            var shape = model.GetTensor(name).Shape;
            long nIn = shape[0], nOut = shape[1];
            float[] Random(long n, float amplitude) => Enumerable.Range(0, (int)n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * amplitude).ToArray();
            w.AddTensor($"{name}.lora_a", GgmlType.F32, [nIn, rank], MemoryMarshal.AsBytes(Random(nIn * rank, 0.5f).AsSpan()).ToArray());
            w.AddTensor($"{name}.lora_b", GgmlType.F32, [rank, nOut], MemoryMarshal.AsBytes(Random(nOut * rank, 0.5f).AsSpan()).ToArray());
        }
        w.Write(path);
    }
}
