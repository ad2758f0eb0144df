using Takase.Library.Modelfiles;

namespace Takase.Library.Tests.Modelfiles;

public class ModelfileParametersTests
{
    [Fact]
    public void ParamsLayerJsonHasSortedKeysTypedValuesAndStopAsAnArray()
    {
        var m = ModelfileParser.Parse("""
            FROM llama3
            PARAMETER temperature 0.7
            PARAMETER stop <|start_header_id|>
            PARAMETER num_ctx 8192
            PARAMETER stop <|eot_id|>
            PARAMETER use_mmap True
            PARAMETER top_p 1e-7
            PARAMETER seed -1
            PARAMETER mirostat 2
            PARAMETER num_ctx 4096
            """);
        // Go's json.Marshal of map[string]any: sorted keys, float32 shortest digits, HTML characters escaped;
        // mirostat is deprecated and dropped; the later num_ctx wins.
        Assert.Equal(
            "{\"num_ctx\":4096,\"seed\":-1,\"stop\":[\"\\u003c|start_header_id|\\u003e\",\"\\u003c|eot_id|\\u003e\"],\"temperature\":0.7,\"top_p\":1e-7,\"use_mmap\":true}",
            ModelfileParameters.ToJson(m.Parameters));
    }

    [Theory]
    [InlineData(0.1f, "0.1")]
    [InlineData(1f, "1")]
    [InlineData(100f, "100")]
    [InlineData(1.5e-7f, "1.5e-7")]
    [InlineData(0.000001f, "0.000001")]
    [InlineData(2e21f, "2e+21")]
    [InlineData(-0.25f, "-0.25")]
    public void Float32FormattingMatchesGo(float value, string expected) =>
        Assert.Equal(expected, Takase.Library.GoTemplates.GoJson.FormatFloat32(value));

    [Fact]
    public void EveryOllamaParameterIsKnownWithItsType()
    {
        string[] ints = ["num_ctx", "num_batch", "num_gpu", "main_gpu", "num_thread", "num_keep", "seed", "num_predict", "top_k", "repeat_last_n"];
        string[] floats = ["top_p", "min_p", "typical_p", "temperature", "repeat_penalty", "presence_penalty", "frequency_penalty"];
        foreach (var name in ints)
            Assert.True(ModelfileParameters.TryGet(name, out var i) && i.Type == ModelfileParameterType.Int, name);
        foreach (var name in floats)
            Assert.True(ModelfileParameters.TryGet(name, out var f) && f.Type == ModelfileParameterType.Float, name);
        Assert.True(ModelfileParameters.TryGet("use_mmap", out var b) && b.Type == ModelfileParameterType.Bool);
        Assert.True(ModelfileParameters.TryGet("penalize_newline", out var p) && p is { Type: ModelfileParameterType.Bool, Deprecated: true });
        Assert.True(ModelfileParameters.TryGet("stop", out var s) && s.Type == ModelfileParameterType.StringList);
    }

    [Fact]
    public void UnknownParametersAreRefusedWhenBuildingJson()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelfileParameters.ToJson([new("warmth", "1")]));
        Assert.Contains("unknown parameter 'warmth'", e.Message);
    }
}
