using System.Text.Json;
using Takase.Server.Ollama;

namespace Takase.Server.Tests.Ollama;

public class OptionsMapperTests
{
    private static RuntimeOptions Map(string json, bool shift = true) => OptionsMapper.Map(JsonDocument.Parse(json).RootElement, shift);

    [Fact]
    public void NoOptionsGiveOllamasDefaults()
    {
        var o = OptionsMapper.Map(null);
        Assert.Null(o.ContextLength);
        Assert.Equal(-1, o.Generation.MaxTokens);
        Assert.True(o.Generation.ContextShift);
        Assert.Equal(4, o.Generation.KeepTokens);
        Assert.Equal(0.8f, o.Generation.Sampling.Temperature);
        Assert.Equal(40, o.Generation.Sampling.TopK);
        Assert.Equal(0.9f, o.Generation.Sampling.TopP);
        Assert.Null(o.Generation.Sampling.Seed);
    }

    [Fact]
    public void EveryAppliedOptionReachesTheEngine()
    {
        var o = Map("""
            {"num_ctx": 2048, "num_predict": 100, "num_keep": 8, "seed": 42, "top_k": 10, "top_p": 0.5, "min_p": 0.05,
             "temperature": 0.2, "repeat_penalty": 1.3, "repeat_last_n": 32, "presence_penalty": 0.5, "frequency_penalty": -0.5,
             "stop": ["\n\n", "User:"]}
            """, shift: false);
        Assert.Equal(2048, o.ContextLength);
        var g = o.Generation;
        Assert.Equal((100, 8, false), (g.MaxTokens, g.KeepTokens, g.ContextShift));
        Assert.Equal(["\n\n", "User:"], g.Stop);
        var s = g.Sampling;
        Assert.Equal((42L, 10, 0.5f, 0.05f, 0.2f, 1.3f, 32, 0.5f, -0.5f),
            (s.Seed!.Value, s.TopK, s.TopP, s.MinP, s.Temperature, s.RepeatPenalty, s.RepeatLastN, s.PresencePenalty, s.FrequencyPenalty));
    }

    [Theory]
    [InlineData("""{"num_predict": -2}""", -1)]  // Ollama's old "fill the context"
    [InlineData("""{"num_predict": 40.0}""", 40)] // an integer written as a float
    [InlineData("""{"num_predict": null}""", -1)] // null means unset, as in Go
    public void NumPredictEdgeCases(string json, int expected) => Assert.Equal(expected, Map(json).Generation.MaxTokens);

    [Fact]
    public void NegativeSeedIsRandomAndAStringStopIsOneStop()
    {
        Assert.Null(Map("""{"seed": -1}""").Generation.Sampling.Seed);
        Assert.Equal(["END"], Map("""{"stop": "END"}""").Generation.Stop);
    }

    [Theory]
    [InlineData("""{"num_batch": 512, "num_gpu": 0, "main_gpu": 0, "num_thread": 8, "use_mmap": true, "numa": false, "typical_p": 1.0, "mirostat": 0, "whatever": [1]}""")]
    public void RunnerOptionsAreAcceptedAndIgnored(string json) => Assert.Equal(OptionsMapper.Map(null), Map(json));

    [Theory]
    [InlineData("""{"top_k": -1}""", "top_k")]
    [InlineData("""{"repeat_penalty": 0}""", "repeat_penalty")]
    [InlineData("""{"min_p": 2}""", "min_p")]
    [InlineData("""{"num_keep": -1}""", "num_keep")]
    [InlineData("""{"seed": "abc"}""", "seed")]
    [InlineData("""{"num_thread": "many"}""", "num_thread")]
    [InlineData("""{"typical_p": true}""", "typical_p")]
    [InlineData("""{"stop": [""]}""", "empty string")]
    [InlineData("""{"frequency_penalty": 1e400}""", "frequency_penalty")]
    public void BadValuesNameTheOption(string json, string name)
    {
        var e = Assert.Throws<ArgumentException>(() => Map(json));
        Assert.Contains(name, e.Message);
    }
}

public class OllamaCallsTests
{
    [Fact]
    public void FormatIsJsonModeOrASchema()
    {
        Assert.IsType<Takase.Server.Inference.OutputFormat.Json>(OllamaCalls.FormatOf(JsonDocument.Parse("\"json\"").RootElement));
        var schema = Assert.IsType<Takase.Server.Inference.OutputFormat.JsonSchema>(OllamaCalls.FormatOf(JsonDocument.Parse("""{"type":"object"}""").RootElement));
        Assert.Equal("object", (string?)schema.Schema["type"]);
        Assert.Null(OllamaCalls.FormatOf(JsonDocument.Parse("\"\"").RootElement));
        Assert.Null(OllamaCalls.FormatOf(null));
        Assert.Throws<ArgumentException>(() => OllamaCalls.FormatOf(JsonDocument.Parse("5").RootElement));
    }

    [Fact]
    public void TopLogprobsCombinesBothFields()
    {
        Assert.Equal(-1, OllamaCalls.TopLogprobsOf(false, 5)); // only with logprobs on, as Ollama
        Assert.Equal(0, OllamaCalls.TopLogprobsOf(true, 0));
        Assert.Equal(20, OllamaCalls.TopLogprobsOf(true, 20));
        Assert.Throws<ArgumentException>(() => OllamaCalls.TopLogprobsOf(true, -1));
    }
}

public class ModelFactsTests
{
    [Theory]
    // Ollama's format.HumanNumber outputs, as /api/tags shows them.
    [InlineData(7_615_616_512L, "7.6B")]
    [InlineData(8_000_000_000L, "8B")]
    [InlineData(494_032_768L, "494.03M")]
    [InlineData(7_000_000L, "7M")]
    [InlineData(292_480L, "292K")]
    [InlineData(999L, "999")]
    public void ParameterCountsReadLikeOllamas(long count, string expected) => Assert.Equal(expected, ModelFacts.FormatParameterCount(count));
}
