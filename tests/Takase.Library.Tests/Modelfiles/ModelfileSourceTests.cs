using Takase.Library.Modelfiles;
using Takase.Tests.Support;

namespace Takase.Library.Tests.Modelfiles;

public class ModelfileSourceTests
{
    [Fact]
    public void ClassifiesModelNamesGgufFilesAndSafetensorsDirectories()
    {
        using var temp = new TempDir();
        var dir = temp.Path;
        Directory.CreateDirectory(Path.Combine(dir, "hf"));
        File.WriteAllBytes(Path.Combine(dir, "model.gguf"), "GGUF"u8.ToArray());
        File.WriteAllBytes(Path.Combine(dir, "hf", "model.safetensors"), [0]);

        Assert.Equal(new ModelfileSource(ModelfileSourceKind.LibraryModel, "llama3.2:1b"), ModelfileSource.Resolve("llama3.2:1b", dir));
        Assert.Equal(new ModelfileSource(ModelfileSourceKind.GgufFile, Path.Combine(dir, "model.gguf")), ModelfileSource.Resolve("./model.gguf", dir));
        Assert.Equal(new ModelfileSource(ModelfileSourceKind.SafetensorsDirectory, Path.Combine(dir, "hf")), ModelfileSource.Resolve("hf", dir));
        var missing = Assert.Throws<FileNotFoundException>(() => ModelfileSource.Resolve("./nope.gguf", dir));
        Assert.Contains("nope.gguf", missing.Message);
    }
}
