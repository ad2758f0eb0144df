using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takase.Server.Tests.Support;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Library;

/// <summary>/api/create with Ollama's <c>quantize</c> field: the weights are quantized on the way into the library.</summary>
[Collection("server")]
public class CreateQuantizeTests(LiveServer server)
{
    private async Task<List<JsonElement>> Create(object body)
    {
        var response = await server.Http.PostAsJsonAsync("/api/create", body, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, text);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    private async Task<JsonElement> Show(string model)
    {
        var response = await server.Http.PostAsJsonAsync("/api/show", new { model }, TestContext.Current.CancellationToken);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone();
    }

    private async Task<long> Size(string name)
    {
        using var tags = JsonDocument.Parse(await server.Http.GetStringAsync("/api/tags", TestContext.Current.CancellationToken));
        return tags.RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == name).GetProperty("size").GetInt64();
    }

    [Fact]
    public async Task AnF32GgufQuantizedToQ4_K_MIsStoredSmallerAndStillTellsTheStory()
    {
        server.RequireModels();
        var lines = await Create(new { model = "stories-q4km", modelfile = $"FROM {SharedData.Path("models/stories260K.gguf")}\n", quantize = "q4_K_M" });
        var quantizing = lines.Where(l => l.GetProperty("status").GetString() == "quantizing F32 model to Q4_K_M").ToList();
        Assert.True(quantizing.Count > 1, "one progress line to start and one per tensor");
        var last = quantizing[^1];
        Assert.Equal(last.GetProperty("total").GetInt64(), last.GetProperty("completed").GetInt64());
        Assert.Equal("success", lines[^1].GetProperty("status").GetString());

        var details = (await Show("stories-q4km")).GetProperty("details");
        Assert.Equal("Q4_K_M", details.GetProperty("quantization_level").GetString());
        // stories260K.gguf is 1,054,304 bytes of F32; its Q4_K_M (Q5_0/Q8_0 fallbacks, F16 ffn_down) is 281,536,
        // and the listed size adds the config blob (under 1 kB).
        Assert.InRange(await Size("stories-q4km:latest"), 281536, 281536 + 1000);

        var generate = await server.Http.PostAsJsonAsync("/api/generate", new { model = "stories-q4km", prompt = "Once upon a time", raw = true, stream = false, options = new { temperature = 0, repeat_penalty = 1, num_predict = 16 } }, TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await generate.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.StartsWith(", there was a little girl named Lily.", body.GetProperty("response").GetString());
    }

    [Fact]
    public async Task ALibraryModelsF32WeightsCanBeQuantizedIntoANewModel()
    {
        server.RequireModels();
        await Create(new { model = "stories-base", modelfile = $"FROM {SharedData.Path("models/stories260K.gguf")}\nPARAMETER temperature 0\n" });
        var lines = await Create(new { model = "stories-base-q8", from = "stories-base", quantize = "Q8_0" });
        Assert.Contains(lines, l => l.GetProperty("status").GetString() == "quantizing F32 model to Q8_0");

        var show = await Show("stories-base-q8");
        Assert.Equal("Q8_0", show.GetProperty("details").GetProperty("quantization_level").GetString());
        Assert.Contains("temperature", show.GetProperty("parameters").GetString()); // the base's other layers are kept
        // The size of llama-quantize's Q8_0 of the same model (344,320 bytes), plus the params and config blobs.
        Assert.InRange(await Size("stories-base-q8:latest"), 344320, 344320 + 1000);
    }

    [Fact]
    public async Task AnAlreadyQuantizedBaseIsRefusedAsOllamaDoes()
    {
        server.RequireModels();
        var response = await server.Http.PostAsJsonAsync("/api/create",
            new { model = "requantized", modelfile = $"FROM {SharedData.Path("models/stories260K-Q8_0.gguf")}\n", quantize = "q4_K_M", stream = false },
            TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("quantization is only supported for F16, BF16 and F32 models", text);
        Assert.Contains("q8_0", text);
        Assert.DoesNotContain("requantized", await server.Http.GetStringAsync("/api/tags", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AnUnknownQuantizationTypeIsA400ListingTheValidOnes()
    {
        var response = await server.Http.PostAsJsonAsync("/api/create",
            new { model = "badquant", modelfile = "FROM stories260K\n", quantize = "q3_K_XL" }, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("unknown quantization type 'q3_K_XL'", text);
        Assert.Contains("Q4_K_M", text);
    }
}
