using Takase.Engine.Gguf;
using Takase.Engine.Models;
using Takase.Engine.Tensors;
using Takase.Tests.Support;

namespace Takase.Engine.Tests.Models;

public class ArchitectureTests
{
    [Fact]
    public void UnknownArchitectureIsNamedWithTheSupportedOnes()
    {
        using var dir = new TempDir();
        var w = new GgufWriter();
        w.Add("general.architecture", "mamba");
        w.AddTensor("token_embd.weight", GgmlType.F32, [4, 8], new byte[128]);
        w.Write(dir.File("mamba.gguf"));
        var e = Assert.Throws<NotSupportedException>(() => TransformerModel.Load(dir.File("mamba.gguf")));
        Assert.Contains("'mamba'", e.Message);
        Assert.Contains("llama", e.Message);
        Assert.Contains("qwen2", e.Message);
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        using var dir = new TempDir();
        using (var src = GgufFile.Open(SharedData.Path("models/stories260K.gguf")))
        {
            var w = new GgufWriter();
            foreach (var key in src.MetadataKeys) w.Add(key, src.Metadata[key]);
            foreach (var t in src.Tensors.Where(t => t.Name != "blk.3.ffn_up.weight")) w.AddTensor(t.Name, t.Type, t.Shape, src.TensorBytes(t).ToArray());
            w.Write(dir.File("partial.gguf"));
        }
        var e = Assert.Throws<GgufFormatException>(() => TransformerModel.Load(dir.File("partial.gguf")));
        Assert.Contains("blk.3.ffn_up.weight", e.Message);
    }

    [Fact]
    public void StoriesConfigComesFromMetadata()
    {
        using var m = TransformerModel.Load(SharedData.Path("models/stories260K.gguf"));
        var c = m.Config;
        Assert.Equal((64, 5, 8, 4, 8, 172, 512), (c.EmbeddingLength, c.BlockCount, c.HeadCount, c.KvHeadCount, c.HeadDim, c.FeedForwardLength, c.VocabSize));
        Assert.Equal(RopeStyle.Normal, c.RopeStyle);
        Assert.Equal(512, m.CreateCache().Capacity); // default context: the trained 512, under the 4096 cap
    }
}
