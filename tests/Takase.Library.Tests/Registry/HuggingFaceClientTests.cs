using Takase.Library.Registry;
using Takase.Library.Store;
using Takase.Tests.Support;

namespace Takase.Library.Tests.Registry;

public class HuggingFaceClientTests
{
    private static async Task<(RegistryTestKit Kit, byte[] Q4KM, byte[] Q8)> RepoAsync()
    {
        var kit = await RegistryTestKit.StartAsync();
        var q4km = await File.ReadAllBytesAsync(SharedData.Path("models/stories260K-Q4_0.gguf"));
        var q8 = await File.ReadAllBytesAsync(SharedData.Path("models/stories260K-Q8_0.gguf"));
        kit.Registry.HfFiles["someorg/Stories-GGUF/README.md"] = "# readme"u8.ToArray();
        kit.Registry.HfFiles["someorg/Stories-GGUF/stories-Q4_K.gguf"] = q8; // a near-miss name for the Q4_K_M pick
        kit.Registry.HfFiles["someorg/Stories-GGUF/stories-Q4_K_M.gguf"] = q4km;
        kit.Registry.HfFiles["someorg/Stories-GGUF/stories-Q8_0.gguf"] = q8;
        kit.Registry.HfFiles["someorg/Stories-GGUF/mmproj-stories-Q4_K_M.gguf"] = [1, 2, 3];
        return (kit, q4km, q8);
    }

    [Fact]
    public async Task WithoutAQuantTheQ4KMFileIsPulledAndStoredUnderTheName()
    {
        var (kit, q4km, _) = await RepoAsync();
        await using var _kit = kit;
        var store = kit.NewStore();
        var progress = new ProgressLog();

        var pulled = await new HuggingFaceClient(kit.Http, store, kit.Options() with { Token = "hf_secret" }).PullAsync("hf.co/someorg/Stories-GGUF", progress);

        Assert.Equal(q4km, await File.ReadAllBytesAsync(pulled.ModelBlobPath));
        Assert.Equal("hf.co/someorg/Stories-GGUF:latest", pulled.Name.ToString());
        Assert.Equal(pulled.ManifestDigest, store.Resolve("hf.co/someorg/Stories-GGUF:latest").ManifestDigest);
        Assert.Equal(BlobDigest.Of(q4km), pulled.Manifest.Layers.Single().Digest);
        Assert.All(kit.Registry.AuthorizationHeaders, h => Assert.Equal("Bearer hf_secret", h));
        Assert.Equal(["pulling manifest", $"pulling {BlobDigest.Short(BlobDigest.Of(q4km))}", "verifying sha256 digest", "writing manifest", "success"], progress.Statuses());
    }

    [Fact]
    public async Task TheQuantTagPicksItsFileCaseInsensitively()
    {
        var (kit, _, q8) = await RepoAsync();
        await using var _kit = kit;
        var store = kit.NewStore();

        var pulled = await new HuggingFaceClient(kit.Http, store, kit.Options()).PullAsync("huggingface.co/someorg/Stories-GGUF:q8_0");

        Assert.Equal(q8, await File.ReadAllBytesAsync(pulled.ModelBlobPath));
        Assert.Equal("llama", JsonConfig(store, pulled).ModelFamily);
        Assert.All(kit.Registry.AuthorizationHeaders, Assert.Null); // no token configured, none sent (HF_TOKEN unset in tests)
    }

    [Fact]
    public async Task AnUnknownQuantListsWhatTheRepoHas()
    {
        var (kit, _, _) = await RepoAsync();
        await using var _kit = kit;
        var error = await Assert.ThrowsAsync<RegistryException>(() => new HuggingFaceClient(kit.Http, kit.NewStore(), kit.Options()).PullAsync("hf.co/someorg/Stories-GGUF:IQ2_XS"));
        Assert.Contains("IQ2_XS", error.Message);
        Assert.Contains("stories-Q8_0.gguf", error.Message);
    }

    [Fact]
    public void SplitGgufsAreRefusedWithAClearMessage()
    {
        var files = new List<HuggingFaceClient.RepoFile> { new("file", "big-Q4_K_M-00001-of-00002.gguf", 10, null), new("file", "big-Q4_K_M-00002-of-00002.gguf", 10, null) };
        var error = Assert.Throws<RegistryException>(() => HuggingFaceClient.PickGguf(files, null, "org/big"));
        Assert.Contains("split GGUF", error.Message);
    }

    [Fact]
    public async Task AMissingRepoIsAClear404()
    {
        await using var kit = await RegistryTestKit.StartAsync();
        var error = await Assert.ThrowsAsync<RegistryException>(() => new HuggingFaceClient(kit.Http, kit.NewStore(), kit.Options()).PullAsync("hf.co/nobody/nothing"));
        Assert.Equal(404, error.StatusCode);
        Assert.Contains("nobody/nothing", error.Message);
    }

    private static ModelConfig JsonConfig(ModelStore store, StoredModel model) =>
        System.Text.Json.JsonSerializer.Deserialize<ModelConfig>(File.ReadAllBytes(store.BlobPath(model.Manifest.Config.Digest)))!;
}
