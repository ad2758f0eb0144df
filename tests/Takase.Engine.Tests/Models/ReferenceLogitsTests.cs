using System.Text.Json.Nodes;
using Takase.Engine.Conversion;
using Takase.Engine.Models;
using Takase.Engine.Tensors;
using Takase.Tests.Support;
using Xunit.Sdk;

namespace Takase.Engine.Tests.Models;

/// <summary>
/// Tiny random-weight models made with Hugging Face transformers (tools/reference/make_reference_models.py, run on
/// the GPU machine, forward pass in float64): converted to GGUF by our own converter, our engine must reproduce the
/// reference logits for every prompt position and the 32 greedy tokens.
/// </summary>
public class ReferenceLogitsTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Cases => new()
    {
        { "llama", "f32" }, { "llama", "f16" },
        { "llama3-rope-scaled", "f32" }, { "llama3-rope-scaled", "f16" },
        { "qwen2", "f32" }, { "qwen2", "f16" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogitsAndGreedyTokensMatchTransformers(string model, string type)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "reference", model);
        var reference = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "reference.json")))!;
        var prompt = reference["prompt"]!.AsArray().Select(n => (int)n!).ToArray();
        var greedy = reference["greedy"]!.AsArray().Select(n => (int)n!).ToArray();
        var shape = reference["logits_shape"]!.AsArray().Select(n => (int)n!).ToArray();
        var expected = ReadFloats(Path.Combine(dir, "logits.f32"));
        Assert.Equal(shape[0] * shape[1], expected.Length);

        using var temp = new TempDir();
        var gguf = temp.File($"{model}-{type}.gguf");
        HfCheckpointConverter.Convert(dir, gguf, type == "f32" ? GgmlType.F32 : GgmlType.F16);
        using var m = TransformerModel.Load(gguf);
        Assert.Equal(reference["architecture"]!.ToString(), m.Config.Architecture);

        var state = m.CreateState(m.CreateCache(128));
        var range = expected.Max() - expected.Min();
        var maxError = 0f;
        for (var p = 0; p < prompt.Length; p++)
        {
            var logits = m.Forward(state, prompt[p]);
            for (var v = 0; v < shape[1]; v++)
                maxError = Math.Max(maxError, Math.Abs(logits[v] - expected[p * shape[1] + v]));
        }
        var relative = maxError / range;
        output.WriteLine($"{model} {type}: max |Δlogit| = {maxError:E3}, range {range:F3}, relative {relative:E3}");
        Assert.True(relative <= (type == "f32" ? 1e-4 : 1e-2), $"{model} {type}: max logit error {maxError} is {relative:E3} of the range {range}");

        // Greedy continuation: re-run the prompt, then feed back the argmax 32 times.
        state.Cache.Clear();
        Span<float> last = default;
        foreach (var t in prompt) last = m.Forward(state, t);
        var produced = new List<int>();
        for (var i = 0; i < greedy.Length; i++)
        {
            var next = ArgMax(last);
            produced.Add(next);
            last = m.Forward(state, next);
        }
        Assert.Equal(greedy, produced);
    }

    private static int ArgMax(ReadOnlySpan<float> x)
    {
        var best = 0;
        for (var i = 1; i < x.Length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    private static float[] ReadFloats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var result = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, result, 0, bytes.Length);
        return result;
    }
}
