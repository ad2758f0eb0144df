using Takase.Library.Store;

namespace Takase.Library.Tests.Store;

public class ModelNameTests
{
    [Theory]
    [InlineData("llama3", "registry.ollama.ai", "library", "llama3", "latest")]
    [InlineData("llama3:8b", "registry.ollama.ai", "library", "llama3", "8b")]
    [InlineData("jmorgan/llama3:8b-q4", "registry.ollama.ai", "jmorgan", "llama3", "8b-q4")]
    [InlineData("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", "hf.co", "bartowski", "Llama-3.2-1B-Instruct-GGUF", "Q4_K_M")]
    [InlineData("localhost:5000/me/tiny", "localhost:5000", "me", "tiny", "latest")]
    [InlineData("https://example.com/me/tiny:v1.5", "example.com", "me", "tiny", "v1.5")]
    public void NamesTakeOllamasDefaults(string text, string host, string ns, string model, string tag)
    {
        var name = ModelName.Parse(text);
        Assert.Equal((host, ns, model, tag), (name.Host, name.Namespace, name.Model, name.Tag));
        Assert.Null(name.Digest);
        Assert.Equal(Path.Combine(host, ns, model, tag), name.RelativeManifestPath);
    }

    [Theory]
    [InlineData("llama3", "llama3:latest")]
    [InlineData("registry.ollama.ai/library/llama3:8b", "llama3:8b")]
    [InlineData("jmorgan/llama3", "jmorgan/llama3:latest")]
    [InlineData("hf.co/org/repo:Q8_0", "hf.co/org/repo:Q8_0")]
    [InlineData("REGISTRY.OLLAMA.AI/Library/Llama3", "Llama3:latest")]
    public void DisplayShortestDropsOnlyDefaultHostAndNamespace(string text, string shortest) =>
        Assert.Equal(shortest, ModelName.Parse(text).DisplayShortest());

    [Fact]
    public void ADigestPinsTheName()
    {
        var hex = new string('a', 64);
        var name = ModelName.Parse($"llama3:8b@sha256:{hex.ToUpperInvariant()}");
        Assert.Equal("sha256:" + hex, name.Digest);
        Assert.Equal("8b", name.Tag);
        Assert.Equal($"registry.ollama.ai/library/llama3:8b@sha256:{hex}", name.ToString());
        Assert.Null(name.WithoutDigest().Digest);
        Assert.Equal(name, ModelName.Parse($"llama3:8b@sha256-{hex}"));
    }

    [Fact]
    public void NamesCompareCaseInsensitively()
    {
        Assert.Equal(ModelName.Parse("Llama3:8B"), ModelName.Parse("registry.ollama.ai/library/llama3:8b"));
        Assert.Equal(ModelName.Parse("Llama3:8B").GetHashCode(), ModelName.Parse("llama3:8b").GetHashCode());
        Assert.NotEqual(ModelName.Parse("llama3:8b"), ModelName.Parse("llama3:70b"));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("model:", "tag")]
    [InlineData(":tag", "model")]
    [InlineData("-model", "model '-model' must start")]
    [InlineData("my model", "may not contain ' '")]
    [InlineData("my.org/model", "namespace 'my.org' may not contain '.'")]
    [InlineData("a/b/c/d", "host 'a/b' may not contain '/'")]
    [InlineData("model:v1:v2", "model 'model:v1' may not contain ':'")]
    [InlineData("model@sha256:1234", "not a digest")]
    public void BadNamesSayWhichPartIsWrong(string text, string expected)
    {
        var error = Assert.Throws<ModelNameException>(() => ModelName.Parse(text));
        Assert.Contains(expected, error.Message);
        Assert.False(ModelName.TryParse(text, out _));
    }

    [Fact]
    public void PartsLongerThanOllamaAllowsAreRefused()
    {
        Assert.True(ModelName.TryParse(new string('m', 80), out _));
        Assert.Contains("longer than 80", Assert.Throws<ModelNameException>(() => ModelName.Parse(new string('m', 81))).Message);
    }
}
