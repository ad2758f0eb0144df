using Takase.Library.Registry;
using Takase.Library.Store;
using Takase.Tests.Support;

namespace Takase.Library.Tests.Registry;

public class OllamaRegistryPushTests
{
    [Fact]
    public async Task APushedModelPullsBackIntoAnotherStoreWithIdenticalDigests()
    {
        var ggufPath = SharedData.Path("models/stories260K-Q8_0.gguf");
        await using var kit = await RegistryTestKit.StartAsync();
        var source = kit.NewStore("source");
        var template = await source.WriteTextLayerAsync(MediaTypes.Template, "{{ .Prompt }}");
        var imported = await source.ImportGgufAsync(ggufPath, "someone/tiny:q8", [template]);
        var progress = new ProgressLog();

        await new OllamaRegistryClient(kit.Http, source, kit.Options()).PushAsync("someone/tiny:q8", progress);

        var statuses = progress.Statuses();
        Assert.Equal("retrieving manifest", statuses[0]);
        Assert.Equal(["pushing manifest", "success"], statuses[^2..]);
        Assert.Equal(3, statuses.Count - 3); // model, template and config blobs, each "pushing <12 hex>"
        var target = kit.NewStore("target");
        var pulled = await new OllamaRegistryClient(kit.Http, target, kit.Options()).PullAsync("someone/tiny:q8");
        Assert.Equal(imported.ManifestDigest, pulled.ManifestDigest);
        Assert.Equal(await File.ReadAllBytesAsync(ggufPath), await File.ReadAllBytesAsync(pulled.ModelBlobPath));
        Assert.Equal("{{ .Prompt }}", pulled.Template);
        Assert.Equal(3, kit.Registry.Log.Count(r => r.Method == "POST"));

        await new OllamaRegistryClient(kit.Http, source, kit.Options()).PushAsync("someone/tiny:q8");
        Assert.Equal(3, kit.Registry.Log.Count(r => r.Method == "POST")); // blobs the registry has are not uploaded again
    }
}
